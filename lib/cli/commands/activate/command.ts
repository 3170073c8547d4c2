import type { CommandSpec } from '../../spec';

/** `dojo activate ID`. */
export const activateCommand: CommandSpec = {
  name: 'activate',
  description: 'start the dojo (manager with tracking server and HPO service) and wait until it answers',
  configure: (cmd) => cmd.argument('<id>', 'dojo id (see `dojo ls`)').option('--json', 'print the dojo as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
