import { resolve } from 'node:path';
import { DojoError } from '../../../errors';
import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatBytes, formatUpload, formatUploadProgress } from './format';

/** Uploads with a progress line on stderr; prints the globs (stdout). */
export const handler: CommandHandler<{ prefix?: string; json: boolean }> = async ([dir, id], opts, ctx) => {
  const provider = await providerOfDojo(id!, ctx.io.env);
  if (!provider.putData) {
    throw new DojoError('USAGE', `dojo ${id} runs on the ${provider.name} provider, whose workers read this machine's files: pass local paths to \`dojo job start -e DOJO_TRAIN_GLOB ...\` directly`);
  }
  let lastPct = -1;
  const r = await provider.putData(id!, resolve(dir!), opts.prefix, (done, total, key) => {
    ctx.io.status(formatUploadProgress(done, total, key));
    const pct = total === 0 ? 100 : Math.floor((done / total) * 10) * 10;
    if (!ctx.io.isTTY && pct !== lastPct) ctx.io.err(formatUploadProgress(done, total, key));
    lastPct = pct;
  });
  ctx.io.err(`uploaded ${r.files} file(s), ${formatBytes(r.bytes)} to s3://${r.bucket}/${r.prefix}; use the glob(s) with \`dojo job start JOB -e DOJO_TRAIN_GLOB GLOB\`:`);
  if (opts.json) ctx.io.out(JSON.stringify(r));
  else for (const line of formatUpload(r)) ctx.io.out(line);
  return 0;
};
