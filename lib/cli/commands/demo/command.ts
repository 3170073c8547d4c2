import { intOption, type CommandSpec } from '../../spec';

/** `dojo demo`: the whole workflow on this machine in a few minutes. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  description: 'run the whole workflow locally: dojo, synthetic DC-taxi data, an HPO study in parallel, the best trial',
  configure: (cmd) =>
    cmd
      .option('--trials <n>', 'number of trials', intOption('--trials', 1, 1000), 20)
      .option('--parallel <p>', 'trials at the same time', intOption('--parallel', 1, 16), 2)
      .option('--replicas <r>', 'data-parallel replicas per trial', intOption('--replicas', 1, 8), 1)
      .option('--rows <n>', 'rows of synthetic training data (validation: a fifth of it)', intOption('--rows', 100, 100_000_000), 1_000_000)
      .option('--seed <s>', 'seed of the data and the sampler', intOption('--seed', 0), 12)
      .option('--keep', 'keep the dojo running afterwards to browse the tracking UI', false)
      .option('--json', 'print the result as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
