import type { CommandSpec } from '../../spec';

/** `dojo job create --dojo ID [--command CMD [--workdir DIR] | --project DIR [--entry-point NAME]] [--image IMG]`. */
export const jobCreateCommand: CommandSpec = {
  name: 'job create',
  description: 'create a job in a dojo and print its id',
  configure: (cmd) =>
    cmd
      .requiredOption('--dojo <id>', 'the dojo that runs the job')
      .option('--command <cmd>', "your own training command, run by every replica of every trial (`sh -c`); see README \"Command jobs\" for its environment")
      .option('--project <dir>', 'an MLflow Project: each trial runs an entry point of DIR/MLproject with its {param} placeholders filled from the trial\'s hyperparameters')
      .option('--entry-point <name>', 'the entry point of --project (default: main)')
      .option('--workdir <dir>', 'where the command runs (local; default: the current directory)')
      .option('--image <image>', 'container image of the workers (aws; default: the bundled runtime image); unused by a local dojo')
      .option('--json', 'print the job as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
