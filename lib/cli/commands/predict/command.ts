import type { CommandSpec } from '../../spec';
import { intOption } from '../../spec';

/** `dojo predict`: runs a saved model over CSV files. */
export const predictCommand: CommandSpec = {
  name: 'predict',
  description: 'predict fares with a saved model over CSV files (8 feature columns, optional label column first: then RMSE is reported); a model trained with missing=mean imputes bad feature values, any other refuses them',
  configure: (cmd) =>
    cmd
      .requiredOption('--model <path|uri>', 'model file path, runs:/<run_id>/model, models:/<name>/<version> or models:/<name>@<alias>')
      .requiredOption('--input <glob>', 'input CSVs: path glob, file:///abs/part*.csv or s3://bucket/prefix/part*.csv')
      .option('--output <file>', 'write the predictions CSV here (default: stdout, and the JSON summary goes to stderr)')
      .option('--tracking <uri>', 'tracking server for runs:/ and models:/ (default: DOJO_TRACKING_URI)')
      .option('--batch <rows>', 'rows per forward pass', intOption('--batch', 1, 1 << 24), 65536)
      .option('--s3-endpoint <url>', 'S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)'),
  load: () => import('./index').then((m) => m.handler),
};
