import { runWorker, workerSettingsFromEnv } from '../../../../runtime/src/worker';
import type { CommandHandler } from '../../spec';

/** Runs the worker loop; SIGTERM ends the current trial (told failed) and the loop. */
export const handler: CommandHandler<{ job?: string; group?: string }> = async (_args, opts, ctx) => {
  const settings = workerSettingsFromEnv(ctx.io.env, { job: opts.job, group: opts.group });
  const ac = new AbortController();
  const stop = () => ac.abort(new Error('stopped by SIGTERM (dojo job stop)'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const t0 = Date.now();
  const stamp = (l: string) => ctx.io.err(`${new Date().toISOString()} ${l}`);
  stamp(`worker ${process.pid}: job ${settings.jobId} group ${settings.group}, study ${settings.studyId}, ${settings.replicas} replica(s)`);
  const s = await runWorker(settings, stamp, ac.signal, { env: ctx.io.env });
  const undelivered = s.metricsUndelivered ? `; ${s.metricsUndelivered} metric points not delivered to tracking (kept in spill files)` : '';
  stamp(`worker ${process.pid} done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.trials} trial(s), ${s.complete} complete, ${s.pruned} pruned, ${s.failed} failed${undelivered}`);
  return 0;
};
