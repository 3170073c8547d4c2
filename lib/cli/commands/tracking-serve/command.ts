import type { CommandSpec } from '../../spec';
import { intOption } from '../../spec';

/** Options of `dojo tracking serve`. */
export interface TrackingServeOptions {
  host: string;
  port: number;
  store: string;
  json: boolean;
}

/** `dojo tracking serve`: the embedded MLflow-compatible tracking server and web UI, until interrupted. */
export const trackingServeCommand: CommandSpec = {
  name: 'tracking serve',
  description: 'run the embedded MLflow-compatible tracking server (REST API 2.0, artifacts, web UI) on a local store',
  configure: (cmd) =>
    cmd
      .requiredOption('--store <dir>', 'directory holding mlflow.db and artifacts/ (created if missing; survives restarts)')
      .option('--port <port>', 'TCP port (0 = any free port)', intOption('--port', 0, 65535), 5000)
      .option('--host <host>', 'address to listen on (0.0.0.0 only behind a firewall)', '127.0.0.1')
      .option('--json', 'print {url, port, store} as JSON instead of the URL', false),
  load: () => import('./index').then((m) => m.handler),
};
