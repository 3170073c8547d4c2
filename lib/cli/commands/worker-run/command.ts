import type { CommandSpec } from '../../spec';

/** Internal: one worker process (started by `dojo job start`; on AWS, the container's command). */
export const workerRunCommand: CommandSpec = {
  name: 'worker run',
  description: '(internal) run the worker loop: ask for trials, train, report, tell',
  hidden: true,
  configure: (cmd) => {
    cmd
      .option('--dir <dir>', 'the dojo folder (local; identifies the process)')
      .option('--job <id>', 'job id (default: $DOJO_JOB_ID)')
      .option('--group <g>', 'worker group (default: $DOJO_WORKER_GROUP)')
      .option('--replica <r>', 'replica label (ranks come from the rendezvous)');
  },
  load: () => import('./index').then((m) => m.handler),
};
