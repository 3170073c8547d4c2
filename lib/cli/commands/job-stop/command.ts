import type { CommandSpec } from '../../spec';

/** `dojo job stop JOB`. */
export const jobStopCommand: CommandSpec = {
  name: 'job stop',
  description: 'stop a job\'s workers; trials still running end failed',
  configure: (cmd) => cmd.argument('<job>', 'job id').option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
