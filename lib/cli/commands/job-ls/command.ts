import type { CommandSpec } from '../../spec';

/** `dojo job ls [--dojo ID]`. */
export const jobLsCommand: CommandSpec = {
  name: 'job ls',
  description: 'list jobs, most recent first: ids alone into a pipe (`dojo job ls | head -n 1`), a table on a terminal',
  configure: (cmd) =>
    cmd
      .option('--dojo <id>', 'only the jobs of this dojo')
      .option('-l, --long', 'the table (dojo, status, trials, created) even into a pipe', false)
      .option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
