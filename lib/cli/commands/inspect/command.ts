import type { CommandSpec } from '../../spec';

/** `dojo inspect ID`. */
export const inspectCommand: CommandSpec = {
  name: 'inspect',
  description: 'print the dojo\'s state as KEY=VALUE lines (eval-able by a shell)',
  configure: (cmd) => cmd.argument('<id>', 'dojo id').option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
