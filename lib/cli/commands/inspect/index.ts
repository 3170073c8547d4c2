import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatDojoInfo } from './format';

/** Prints KEY=VALUE lines on stdout and warnings (e.g. a stale pid) on stderr. */
export const handler: CommandHandler<{ json: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOfDojo(id!, ctx.io.env);
  const info = await provider.inspect(id!);
  for (const w of info.warnings) ctx.io.err(`warning: ${w}`);
  if (opts.json) ctx.io.out(JSON.stringify(info));
  else for (const line of formatDojoInfo(info)) ctx.io.out(line);
  return 0;
};
