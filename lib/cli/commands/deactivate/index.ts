import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatDojoInfo } from '../inspect/format';

/** Deactivates and prints the dojo's KEY=VALUE lines (status inactive). */
export const handler: CommandHandler<{ json: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOfDojo(id!, ctx.io.env);
  const info = await provider.deactivate(id!, (m) => ctx.io.err(m));
  if (opts.json) ctx.io.out(JSON.stringify(info));
  else for (const line of formatDojoInfo(info)) ctx.io.out(line);
  return 0;
};
