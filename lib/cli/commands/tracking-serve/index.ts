import { resolve } from 'node:path';
import type { CommandHandler } from '../../spec';
import { startTrackingServer } from '../../../tracking';
import type { TrackingServeOptions } from './command';

/** What `dojo tracking serve` prints on stdout once it listens. */
export function formatServing(url: string, port: number, store: string, json: boolean): string {
  return json ? JSON.stringify({ url, port, store }) : url;
}

/** Starts the server and keeps it running until SIGINT/SIGTERM. */
export const handler: CommandHandler<TrackingServeOptions> = async (_args, opts, ctx) => {
  const store = resolve(opts.store);
  const server = await startTrackingServer({ storeDir: store, host: opts.host, port: opts.port });
  ctx.io.out(formatServing(server.url, server.port, store, opts.json));
  ctx.io.err(`dojo tracking serve: MLflow API and UI on ${server.url} (store ${store}); set MLFLOW_TRACKING_URI=${server.url}; Ctrl-C stops`);
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await server.close();
  return 0;
};
