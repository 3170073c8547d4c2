import { serveManager } from '../../../providers/local/manager';
import type { CommandHandler } from '../../spec';

/** Runs until SIGTERM. */
export const handler: CommandHandler<{ dir: string }> = async (_args, opts, ctx) => {
  await serveManager(opts.dir, (l) => ctx.io.err(l));
  return 0;
};
