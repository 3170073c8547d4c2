import type { CommandSpec } from '../../spec';

/** `dojo deactivate ID`. */
export const deactivateCommand: CommandSpec = {
  name: 'deactivate',
  description: 'stop the dojo\'s processes (compute to zero), keep its data',
  configure: (cmd) => cmd.argument('<id>', 'dojo id').option('--json', 'print the dojo as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
