import type { CommandSpec } from '../../spec';

/** `dojo job ls [--dojo ID]`. */
export const jobLsCommand: CommandSpec = {
  name: 'job ls',
  description: 'list jobs, most recent first',
  configure: (cmd) => cmd.option('--dojo <id>', 'only the jobs of this dojo').option('--json', 'print JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
