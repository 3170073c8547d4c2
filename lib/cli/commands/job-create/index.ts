import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';

/** Creates the job record and prints the job id alone. */
export const handler: CommandHandler<{ dojo: string; image?: string; json: boolean }> = async (_args, opts, ctx) => {
  const provider = await providerOfDojo(opts.dojo, ctx.io.env);
  const job = await provider.createJob(opts.dojo, { image: opts.image });
  ctx.io.out(opts.json ? JSON.stringify(job) : job.id);
  return 0;
};
