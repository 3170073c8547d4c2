import type { CommandSpec } from '../../spec';

/** `dojo rm ID`. */
export const rmCommand: CommandSpec = {
  name: 'rm',
  description: 'stop everything the dojo started, remove its state, and print what remains (nothing)',
  configure: (cmd) =>
    cmd
      .argument('<id>', 'dojo id')
      .option('-y, --yes', 'do not ask for confirmation on a terminal', false)
      .option('--keep-data', 'keep the data (aws: the S3 bucket and the manager\'s data volume)', false)
      .option('--json', 'print the result as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
