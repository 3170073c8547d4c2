import type { CommandSpec } from '../../spec';

/** `dojo inspect ID`. */
export const inspectCommand: CommandSpec = {
  name: 'inspect',
  description: 'print the dojo\'s state as KEY=VALUE lines (eval-able by a shell; also the book\'s KAEN_DOJO_STATUS, KAEN_DOJO_MANAGER_IP)',
  configure: (cmd) => cmd.argument('<id>', 'dojo id').option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
