import { Option } from 'commander';
import { DEFAULT_HPARAMS } from '../../../../runtime/src/model/defaults';
import { DEFAULT_SHARD_SIZE } from '../../../../runtime/src/train/defaults';
import { DEFAULT_LOG_EVERY_N_STEPS } from '../../../../runtime/src/train/metrics-policy';
import { intOption, type CommandSpec } from '../../spec';

// The defaults as --help shows them, from the one place that defines them: `seed 1686523060, num_hidden_neurons [3,5,8], ...`.
const hparamDefaults = Object.entries(DEFAULT_HPARAMS)
  .map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`)
  .join(', ');

/** `dojo train`: one training run of the fare model, without HPO. */
export const trainCommand: CommandSpec = {
  name: 'train',
  description: 'train the DC-taxi fare model once on CSV data and print the result as one JSON line',
  configure: (cmd) =>
    cmd
      .requiredOption('--train <glob>', 'training CSVs: path glob, file:///abs/part*.csv or s3://bucket/prefix/part*.csv')
      .requiredOption('--val <glob>', 'validation CSVs (same forms)')
      .option('--test <glob>', 'test CSVs (same forms); adds test_rmse')
      .option('--hparams <json|file>', `hyperparameters as JSON or a JSON file, over the book's defaults (${hparamDefaults}); feature stages, off unless given: missing "drop"|"mean", bins 0|N (one-hot coordinates), scale "none"|"standard" (README "Feature stages")`)
      .addOption(new Option('--dtype <dtype>', 'numeric precision of training').choices(['float64', 'float32']).default('float64'))
      .addOption(new Option('--on-bad-row <policy>', 'a row that does not parse: stop with file:line, or skip and count it').choices(['fail', 'skip']).default('fail'))
      .option('--tracking <uri>', 'log params and metrics to this MLflow-compatible tracking server (experiment "dojo-train")')
      .option('--log-every-n-steps <n>', 'with --tracking: log the training metrics every n steps and at the last step (1 = every step)', intOption('--log-every-n-steps', 1), DEFAULT_LOG_EVERY_N_STEPS)
      .option('--save <path>', 'write the trained model file here (format: README "Models"); with --tracking it is also logged as the run\'s model/ artifacts')
      .option('--replicas <n>', 'train data-parallel with this many local processes', intOption('--replicas', 1, 256), 1)
      .option('--shard-size <rows>', 'rows per shard; shard i goes to replica i mod replicas', intOption('--shard-size', 1), DEFAULT_SHARD_SIZE),
  load: () => import('./index').then((m) => m.handler),
};
