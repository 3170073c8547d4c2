import type { CommandSpec } from '../../spec';
import { intOption, numberOption } from '../../spec';

/** Options of `dojo hpo serve`. */
export interface HpoServeOptions {
  host: string;
  port: number;
  db: string;
  tracking?: string;
  heartbeatTimeout: number;
}

/** `dojo hpo serve`: runs the HPO service (API v1, rendezvous, reports) until interrupted. */
export const hpoServeCommand: CommandSpec = {
  name: 'hpo serve',
  description: 'run the HPO service (studies, ask/tell, pruning, rendezvous, reports) over HTTP',
  configure: (cmd) =>
    cmd
      .option('--host <host>', 'address to listen on (0.0.0.0 only behind a firewall)', '127.0.0.1')
      .option('--port <port>', 'TCP port', intOption('--port', 0, 65535), 5002)
      .requiredOption('--db <file>', 'SQLite file holding the studies (created if missing; survives restarts)')
      .option('--tracking <uri>', 'MLflow-compatible tracking server: studies become parent runs, trials child runs')
      .option('--heartbeat-timeout <seconds>', 'mark a running trial failed after this long without ask/report/heartbeat', numberOption('--heartbeat-timeout', 1), 300),
  load: () => import('./index').then((m) => m.handler),
};
