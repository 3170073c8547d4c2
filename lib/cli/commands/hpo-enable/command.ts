import { Option } from 'commander';
import { DEFAULT_TRIAL_METRIC, TRIAL_METRICS } from '../../../../runtime/src/worker/metrics';
import { intOption, type CommandSpec } from '../../spec';
import { BOOK_SERVICE_NAME } from './book-space';

/** `dojo hpo enable JOB [--space FILE] --num-runs N ...`, also with the book's HPO image flags. */
export const hpoEnableCommand: CommandSpec = {
  name: 'hpo enable',
  description: 'make a job an HPO study: search space, number of trials, trials at the same time',
  configure: (cmd) =>
    cmd
      // optional for commander only: the book writes the job after `--port HOST CONTAINER`, which takes it
      .argument('[job]', 'job id (before `dojo job start`; required)')
      .option('--space <file>', 'search space JSON, e.g. {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true}} (default: the book\'s DcTaxiHpoService space)')
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
      .option('--json', 'print the job as JSON', false)
      // the book's HPO container (ch. 12); dojo's own HPO service serves the study, so these are noted, not run
      .option('--image <image>', "the book's HPO image: accepted, not run (dojo's own HPO service serves the study)")
      .option('--service-prefix <module>', "the book's HPO service module (hpo): accepted")
      .option('--service-name <class>', `the book's HPO service class: ${BOOK_SERVICE_NAME} (the default space) or, with --space, any`)
      .option('--port <host container...>', "the book's MLflow UI port mapping, e.g. --port 5001 5001: accepted, not used (see `dojo ui`)"),
  load: () => import('./index').then((m) => m.handler),
};
