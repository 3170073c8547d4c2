import type { CommandSpec } from '../../spec';

/** Internal: the manager process of a local dojo (started by `dojo activate`). */
export const managerServeCommand: CommandSpec = {
  name: 'manager serve',
  description: '(internal) run the manager of a local dojo: tracking server + HPO service',
  hidden: true,
  configure: (cmd) => {
    cmd.requiredOption('--dir <dir>', 'the dojo folder');
  },
  load: () => import('./index').then((m) => m.handler),
};
