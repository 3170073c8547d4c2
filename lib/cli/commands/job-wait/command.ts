import { AWS_POLL_MS, LOCAL_POLL_MS } from '../../../providers/defaults';
import { intOption, type CommandSpec } from '../../spec';

/** `dojo job wait JOB`. */
export const jobWaitCommand: CommandSpec = {
  name: 'job wait',
  description: 'show live progress (trials done/running/pruned/failed, best so far, elapsed, ETA) until the job ends',
  configure: (cmd) =>
    cmd
      .argument('<job>', 'job id')
      .option('--interval <ms>', `poll interval in milliseconds (default: the provider's, ${LOCAL_POLL_MS} local, ${AWS_POLL_MS} aws)`, intOption('--interval', 100, 600_000))
      .option('--json', 'print the final progress as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
