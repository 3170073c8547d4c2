import type { CommandSpec } from '../../spec';

/** `dojo job inspect JOB`. */
export const jobInspectCommand: CommandSpec = {
  name: 'job inspect',
  description: 'print a job\'s settings and progress as KEY=VALUE lines (also the book\'s KAEN_HPO_MANAGER_IP once HPO is enabled)',
  configure: (cmd) => cmd.argument('<job>', 'job id').option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
