import type { CommandSpec } from '../../spec';

/** `dojo ls`: the dojos, most recent first. */
export const lsCommand: CommandSpec = {
  name: 'ls',
  description: 'list dojos, most recent first',
  configure: (cmd) => cmd.option('-l, --long', 'also provider, status, created, cost per hour', false).option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
