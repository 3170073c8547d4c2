import { usageError } from '../../../errors';
import { providerOfJob } from '../../../providers';
import type { CommandHandler } from '../../spec';

/** Writes log lines to stdout as `[g0/r1] text`; Ctrl-C ends --follow cleanly. */
export const handler: CommandHandler<{ follow: boolean; trial?: number }> = async ([job], opts, ctx) => {
  const provider = await providerOfJob(job!, ctx.io.env);
  if (opts.trial !== undefined) {
    const info = await provider.inspectJob(job!);
    const p = info.progress;
    if (!info.run) throw usageError(`--trial ${opts.trial}: job ${job} has not started, so it has no trials yet`);
    // Trial numbers are dense from 0; a number not handed out yet has no lines (with --follow it may come).
    const handedOut = p ? p.complete + p.pruned + p.failed + p.running : undefined;
    if (p && handedOut !== undefined && opts.trial >= handedOut && !(opts.follow && opts.trial < p.total)) {
      throw usageError(`--trial ${opts.trial}: job ${job} has no such trial (${handedOut === 0 ? 'none handed out yet' : `trials 0-${handedOut - 1} so far, of ${p.total}`})`);
    }
  }
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    await provider.jobLogs(job!, {
      follow: opts.follow,
      trial: opts.trial,
      signal: ac.signal,
      onLine: (l) => ctx.io.out(`[${l.source}] ${l.text}`),
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  return 0;
};
