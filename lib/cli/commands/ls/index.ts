import { dojoHome, listDojoConfigs } from '../../../providers/state';
import type { DojoSummary, ProviderName } from '../../../providers/provider';
import type { CommandHandler } from '../../spec';
import { formatDojoList } from './format';

/** Lists ids from the local index; only --long/--json ask the providers for status. */
export const handler: CommandHandler<{ long: boolean; json: boolean }> = async (_args, opts, ctx) => {
  const home = dojoHome(ctx.io.env);
  const configs = listDojoConfigs(home);
  if (!opts.long && !opts.json) {
    for (const line of formatDojoList(configs.map((c) => ({ ...c, status: 'inactive', costPerHour: 0 })), false)) ctx.io.out(line);
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
