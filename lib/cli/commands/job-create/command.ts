import type { CommandSpec } from '../../spec';

/** `dojo job create --dojo ID [--command CMD [--workdir DIR]] [--image IMG]`. */
export const jobCreateCommand: CommandSpec = {
  name: 'job create',
  description: 'create a job in a dojo and print its id',
  configure: (cmd) =>
    cmd
      .requiredOption('--dojo <id>', 'the dojo that runs the job')
      .option('--command <cmd>', "your own training command, run by every replica of every trial (`sh -c`); see README \"Command jobs\" for its environment")
      .option('--workdir <dir>', 'where the command runs (local; default: the current directory)')
      .option('--image <image>', 'container image of the workers (aws; default: the bundled runtime image); unused by a local dojo')
      .option('--json', 'print the job as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
