import { providerOfJob } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatJobInfo } from './format';

/** Prints the job with its live progress (and, once HPO is enabled, the manager serving its study). */
export const handler: CommandHandler<{ json: boolean }> = async ([job], opts, ctx) => {
  const provider = await providerOfJob(job!, ctx.io.env);
  const info = await provider.inspectJob(job!);
  if (opts.json) ctx.io.out(JSON.stringify(info));
  else for (const line of formatJobInfo(info, info.hpo ? { managerIp: (await provider.inspect(info.dojoId)).managerIp } : undefined)) ctx.io.out(line);
  return 0;
};
