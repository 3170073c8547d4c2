import type { CommandSpec } from '../../spec';
import { intOption } from '../../spec';

/** `dojo data synth`: writes a deterministic synthetic DC-taxi dataset. */
export const dataSynthCommand: CommandSpec = {
  name: 'data synth',
  description: 'write a deterministic synthetic DC-taxi dataset (real schema) as CSV parts to a directory or s3://bucket/prefix',
  configure: (cmd) =>
    cmd
      .requiredOption('--rows <n>', 'total data rows over all parts', intOption('--rows', 0))
      .requiredOption('--out <dir|s3-url>', 'output directory (created if missing) or s3://bucket/prefix')
      .option('--parts <k>', 'number of files part-00000.csv, part-00001.csv, ...', intOption('--parts', 1, 100_000), 1)
      .option('--seed <s>', 'seed: the same rows, parts and seed always give the same bytes', intOption('--seed'), 1)
      .option('--s3-endpoint <url>', 'S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)')
      .option('--json', 'print the result as one JSON line'),
  load: () => import('./index').then((m) => m.handler),
};
