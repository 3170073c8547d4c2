import type { CommandSpec } from '../../spec';

/** `dojo job create --dojo ID`. */
export const jobCreateCommand: CommandSpec = {
  name: 'job create',
  description: 'create a job in a dojo and print its id',
  configure: (cmd) =>
    cmd
      .requiredOption('--dojo <id>', 'the dojo that runs the job')
      .option('--image <image>', 'container image of the workers (aws; default: the bundled runtime image)')
      .option('--json', 'print the job as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
