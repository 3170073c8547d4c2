import { Option } from 'commander';
import { INIT_DEFAULTS } from '../../../providers/defaults';
import { intOption, type CommandSpec } from '../../spec';

/** `dojo init`: records a new dojo and prints its id. */
export const initCommand: CommandSpec = {
  name: 'init',
  description: 'create a new dojo (nothing runs until `dojo activate`) and print its id',
  configure: (cmd) =>
    cmd
      .addOption(new Option('--provider <name>', 'where the dojo runs').choices(['local', 'aws']).default('local'))
      // No commander defaults for the AWS-only flags: the local provider refuses them when given.
      .option('--manager-instance-type <type>', `EC2 instance type of the manager (aws; default: ${INIT_DEFAULTS.managerInstanceType})`)
      .option('--worker-instance-type <type>', `EC2 instance type of the workers (aws; default: ${INIT_DEFAULTS.workerInstanceType})`)
      .option('--max-workers <n>', 'most workers running at once', intOption('--max-workers', 1, 100), INIT_DEFAULTS.maxWorkers)
      .option('--spot', 'run workers on spot capacity (aws)')
      .option('--region <region>', 'AWS region (aws; default: the SDK default)')
      .option('--tracking-uri <uri>', "use this existing MLflow tracking server (http:// or https://) instead of the dojo's own; MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD and MLFLOW_TRACKING_INSECURE_TLS are honoured and passed to the workers")
      .option('--json', 'print the config as JSON', false),
  load: () => import('./index').then((m) => m.handler),
};
