import { dojoHome, listDojoConfigs, listJobRecords, loadDojoConfig } from '../../../providers/state';
import type { CommandHandler } from '../../spec';
import { formatJobList } from '../job-inspect/format';
import { formatIds } from '../ls/format';

/**
 * Lists job records from the local index (status as last recorded), most recent first: bare ids
 * into a pipe (the book's `dojo job ls | head -n 1`), the table on a terminal or with --long.
 */
export const handler: CommandHandler<{ dojo?: string; long: boolean; json: boolean }> = async (_args, opts, ctx) => {
  const home = dojoHome(ctx.io.env);
  const dojos = opts.dojo ? [loadDojoConfig(home, opts.dojo)] : listDojoConfigs(home);
  const jobs = dojos.flatMap((d) => listJobRecords(home, d.id)).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  if (opts.json) ctx.io.out(JSON.stringify(jobs));
  else for (const line of opts.long || ctx.io.stdoutIsTTY ? formatJobList(jobs) : formatIds(jobs)) ctx.io.out(line);
  return 0;
};
