import { ResultFileFollower } from '../../../jobs/result-follower';
import type { CommandHandler } from '../../spec';

/** Follows the file until SIGTERM (ECS stops this container when the replica's container exits), then flushes and exits 0. */
export const handler: CommandHandler<{ file: string; pollMs: number }> = async (_args, opts, ctx) => {
  const follower = new ResultFileFollower({
    file: opts.file,
    // stdout is the result stream: one line per result line, then the end marker.
    write: (line) => ctx.io.out(line),
    pollMs: opts.pollMs,
    onError: (e) => ctx.io.err(`dojo job follow-results: ${opts.file}: ${e.message}`),
  });
  const ended = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  follower.start();
  await ended;
  follower.finish();
  return 0;
};
