import { DojoError, usageError } from '../../../errors';
import { providerNamed } from '../../../providers';
import type { CommandHandler } from '../../spec';

/** Drives trials until the study has none left; SIGTERM fails the running trial (its replicas are stopped) and ends the driver. */
export const handler: CommandHandler<{ dir?: string; provider: string; job?: string; group?: string }> = async (_args, opts, ctx) => {
  if (opts.provider !== 'local' && opts.provider !== 'aws') throw usageError(`--provider ${opts.provider}: local or aws`);
  if (opts.provider === 'local' && !opts.dir) throw usageError('--dir: required with --provider local (the dojo folder)');
  const provider = await providerNamed(opts.provider, ctx.io.env);
  if (!provider.driveCommandJob) throw new DojoError('INTERNAL', `the ${opts.provider} provider has no trial driver`);
  const env = { ...ctx.io.env, ...(opts.job ? { DOJO_JOB_ID: opts.job } : {}), ...(opts.group ? { DOJO_WORKER_GROUP: opts.group } : {}) };
  const ac = new AbortController();
  const stop = () => ac.abort(new Error('stopped by SIGTERM (dojo job stop)'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const t0 = Date.now();
  // The driver's log is the job's log: replica lines go to stdout with their trial and rank.
  const log = (l: string) => ctx.io.out(l);
  ctx.io.err(`${new Date().toISOString()} driver ${process.pid}: job ${env.DOJO_JOB_ID} group ${env.DOJO_WORKER_GROUP}`);
  const s = await provider.driveCommandJob(opts.dir ?? '', env, log, ac.signal);
  ctx.io.err(`${new Date().toISOString()} driver ${process.pid} done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.trials} trial(s), ${s.complete} complete, ${s.pruned} pruned, ${s.failed} failed`);
  return 0;
};
