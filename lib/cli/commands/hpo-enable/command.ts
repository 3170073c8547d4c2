import { Option } from 'commander';
import { DEFAULT_TRIAL_METRIC, TRIAL_METRICS } from '../../../../runtime/src/worker/metrics';
import { intOption, type CommandSpec } from '../../spec';

/** `dojo hpo enable JOB --space FILE --num-runs N ...`. */
export const hpoEnableCommand: CommandSpec = {
  name: 'hpo enable',
  description: 'make a job an HPO study: search space, number of trials, trials at the same time',
  configure: (cmd) =>
    cmd
      .argument('<job>', 'job id (before `dojo job start`)')
      .requiredOption('--space <file>', 'search space JSON, e.g. {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true}}')
      .requiredOption('--num-runs <n>', 'number of trials', intOption('--num-runs', 1, 100_000))
      .option('--parallel <p>', 'trials running at the same time', intOption('--parallel', 1, 1000), 1)
      .addOption(
        new Option('--sampler <name>', 'how trials are chosen (auto: Gaussian-process BO on numeric/mixed spaces, TPE on conditional or large ones)')
          .choices(['auto', 'gp', 'tpe', 'random', 'grid'])
          .default('auto'),
      )
      .addOption(new Option('--pruner <name>', 'how bad trials stop early').choices(['none', 'median', 'asha']).default('median'))
      .option('--seed <s>', 'sampler seed (same seed, same suggestions)', intOption('--seed', 0))
      .option('--enqueue <file>', 'JSON list of parameter sets to try first, e.g. [{"lr": 0.01, "layers": 2}] (names left out are sampled)')
      .option('--from-study <study>', 'seed the study with the complete trials of an earlier study on the same dojo (its job id)')
      .option('--metric <name>', `the metric each trial reports and the study optimises (built-in jobs: ${TRIAL_METRICS.join(', ')}; default ${DEFAULT_TRIAL_METRIC})`)
      .addOption(new Option('--direction <d>', 'optimisation direction').choices(['minimize', 'maximize']).default('minimize'))
      .option('--json', 'print the job as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
