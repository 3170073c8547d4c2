import { providerOfJob } from '../../../providers';
import type { CommandHandler } from '../../spec';

/** Writes log lines to stdout as `[g0/r1] text`; Ctrl-C ends --follow cleanly. */
export const handler: CommandHandler<{ follow: boolean; trial?: number }> = async ([job], opts, ctx) => {
  const provider = await providerOfJob(job!, ctx.io.env);
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
