import { dojoHome, listDojoConfigs, listJobRecords, loadDojoConfig } from '../../../providers/state';
import type { CommandHandler } from '../../spec';
import { formatJobList } from '../job-inspect/format';

/** Lists job records from the local index (status as last recorded). */
export const handler: CommandHandler<{ dojo?: string; json: boolean }> = async (_args, opts, ctx) => {
  const home = dojoHome(ctx.io.env);
  const dojos = opts.dojo ? [loadDojoConfig(home, opts.dojo)] : listDojoConfigs(home);
  const jobs = dojos.flatMap((d) => listJobRecords(home, d.id)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (opts.json) ctx.io.out(JSON.stringify(jobs));
  else for (const line of formatJobList(jobs)) ctx.io.out(line);
  return 0;
};
