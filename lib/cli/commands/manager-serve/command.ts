import type { Command } from 'commander';
import type { CommandSpec } from '../../spec';

/** Hides an internal command (and its group) from --help: users never type these. */
export function hideCommand(cmd: Command): void {
  (cmd as unknown as { _hidden: boolean })._hidden = true;
  if (cmd.parent && cmd.parent.parent) (cmd.parent as unknown as { _hidden: boolean })._hidden = true;
}

/** Internal: the manager process of a local dojo (started by `dojo activate`). */
export const managerServeCommand: CommandSpec = {
  name: 'manager serve',
  description: '(internal) run the manager of a local dojo: tracking server + HPO service',
  configure: (cmd) => {
    cmd.requiredOption('--dir <dir>', 'the dojo folder');
    hideCommand(cmd);
  },
  load: () => import('./index').then((m) => m.handler),
};
