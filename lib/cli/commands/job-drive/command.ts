import type { CommandSpec } from '../../spec';

/** Internal: the trial driver of a command job's trial group (started by `dojo job start`). */
export const jobDriveCommand: CommandSpec = {
  name: 'job drive',
  description: '(internal) drive a command job\'s trials: ask, run the replicas, report, tell',
  hidden: true,
  configure: (cmd) => {
    cmd
      .option('--dir <dir>', 'the dojo folder (local provider; identifies the process)')
      .option('--provider <name>', 'where the replicas run: local (processes) or aws (ECS tasks; the driver is a task on the manager)', 'local')
      .option('--job <id>', 'job id (default: $DOJO_JOB_ID)')
      .option('--group <g>', 'trial group (default: $DOJO_WORKER_GROUP)');
  },
  load: () => import('./index').then((m) => m.handler),
};
