import { dojoHome, listDojoConfigs } from '../../../providers/state';
import type { DojoSummary, ProviderName } from '../../../providers/provider';
import type { CommandHandler } from '../../spec';
import { formatIds, formatDojoIndex, formatDojoList } from './format';

/**
 * Lists dojos from the local index, most recent first: bare ids into a pipe (the book's
 * `dojo ls | head -n 1`), a table on a terminal; only --long/--json ask the providers for status.
 */
export const handler: CommandHandler<{ long: boolean; json: boolean }> = async (_args, opts, ctx) => {
  const home = dojoHome(ctx.io.env);
  const configs = listDojoConfigs(home);
  if (!opts.long && !opts.json) {
    for (const line of ctx.io.stdoutIsTTY ? formatDojoIndex(configs) : formatIds(configs)) ctx.io.out(line);
    return 0;
  }
  const { providerNamed } = await import('../../../providers/registry');
  const byId = new Map<string, DojoSummary>();
  for (const name of new Set<ProviderName>(configs.map((c) => c.provider))) {
    for (const d of await (await providerNamed(name, ctx.io.env)).list()) byId.set(d.id, d);
  }
  const dojos = configs.map((c) => byId.get(c.id)).filter((d): d is DojoSummary => d !== undefined);
  if (opts.json) ctx.io.out(JSON.stringify(dojos));
  else for (const line of formatDojoList(dojos, true)) ctx.io.out(line);
  return 0;
};
