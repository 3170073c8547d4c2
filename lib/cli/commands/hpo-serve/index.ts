import type { CommandHandler } from '../../spec';
import { startHpoService } from '../../../hpo/service';
import type { HpoServeOptions } from './command';

/** Starts the service and keeps it running until SIGINT/SIGTERM. */
export const handler: CommandHandler<HpoServeOptions> = async (_args, opts, ctx) => {
  const svc = await startHpoService({
    dbFile: opts.db,
    host: opts.host,
    port: opts.port,
    trackingUri: opts.tracking,
    heartbeatTimeoutMs: opts.heartbeatTimeout * 1000,
    log: (line) => ctx.io.err(line),
  });
  ctx.io.out(svc.url);
  ctx.io.err(`dojo hpo serve: listening on ${svc.url} (db ${opts.db}${opts.tracking ? `, tracking ${opts.tracking}` : ''}); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await svc.close();
  return 0;
};
