import type { CommandSpec } from '../../spec';

/** `dojo ls`: the dojos, most recent first. */
export const lsCommand: CommandSpec = {
  name: 'ls',
  description: 'list dojos, most recent first: ids alone into a pipe (`dojo ls | head -n 1`), a table on a terminal',
  configure: (cmd) => cmd.option('-l, --long', 'a table with provider, status, created, cost per hour (asks the providers)', false).option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
