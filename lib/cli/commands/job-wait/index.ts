import type { Io } from '../../io';
import { providerOfJob, type JobProgress, type Provider } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatProgress } from './format';

/**
 * Waits for a job, redrawing one status line on a terminal and printing a line on every change
 * (at most every 10 s while nothing changes) otherwise. Returns the final progress.
 */
export async function waitWithProgress(provider: Provider, jobId: string, io: Io, intervalMs?: number): Promise<JobProgress> {
  let lastKey = '';
  let lastPrint = 0;
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const final = await provider.waitJob(jobId, {
      intervalMs,
      signal: ac.signal,
      onProgress: (p) => {
        const line = formatProgress(p);
        if (io.isTTY) {
          io.status(line);
          return;
        }
        const key = `${p.status} ${p.complete} ${p.running} ${p.pruned} ${p.failed} ${p.best?.number}`;
        if (key !== lastKey || Date.now() - lastPrint > 10_000) {
          io.err(line);
          lastKey = key;
          lastPrint = Date.now();
        }
      },
    });
    if (io.isTTY) io.err(formatProgress(final));
    return final;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Exit 0 when the job completed, 1 when it failed or was stopped. */
export const handler: CommandHandler<{ interval?: number; json: boolean }> = async ([job], opts, ctx) => {
  const provider = await providerOfJob(job!, ctx.io.env);
  const final = await waitWithProgress(provider, job!, ctx.io, opts.interval);
  if (opts.json) ctx.io.out(JSON.stringify(final));
  else ctx.io.out(formatProgress(final));
  return final.status === 'completed' ? 0 : 1;
};
