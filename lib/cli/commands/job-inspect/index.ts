import { providerOfJob } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatJobInfo } from './format';

/** Prints the job with its live progress. */
export const handler: CommandHandler<{ json: boolean }> = async ([job], opts, ctx) => {
  const provider = await providerOfJob(job!, ctx.io.env);
  const info = await provider.inspectJob(job!);
  if (opts.json) ctx.io.out(JSON.stringify(info));
  else for (const line of formatJobInfo(info)) ctx.io.out(line);
  return 0;
};
