/**
 * How a deployed dojo describes itself, so that a CLI finds everything without parsing the
 * template: SSM parameters under `/dojo/<dojoId>/` and CloudFormation outputs of the stack
 * `dojo-<dojoId>`. The AWS provider reads these names from here; do not spell them elsewhere.
 *
 * Every parameter below is created by the stack (CloudFormation owns it and deletes it with the
 * stack), so a CLI must not create one of these names before deploying: CloudFormation fails on
 * a parameter that already exists. Two are rewritten at run time and only seeded by the stack:
 * `status` (the CLI writes `active` / `deactivated`) and `manager/instance-id` +
 * `manager/address` (the manager writes them on every boot).
 */

/** What each parameter holds, by key (`/dojo/<id>/<key>`). */
export const DOJO_PARAMETERS = {
  /** JSON of the DojoInfraConfig the stack was synthesized from. */
  config: 'config',
  /** `active` after deploy; the CLI writes `deactivated` / `active` as it scales compute. */
  status: 'status',
  /** ECS cluster name. */
  cluster: 'cluster',
  /** S3 bucket name (data under `data/`, MLflow artifacts under `artifacts/`). */
  bucket: 'bucket',
  /** JSON DojoPorts: `{tracking, hpo, rendezvous, allreduceFrom, allreduceTo}`. */
  ports: 'ports',
  /** Name of the manager's Auto Scaling group (0 or 1 instance). */
  managerAsg: 'manager/asg',
  /** EC2 instance id of the running manager; `pending` until its first boot. */
  managerInstanceId: 'manager/instance-id',
  /** Private IPv4 address of the running manager; `pending` until its first boot. */
  managerAddress: 'manager/address',
  /** EBS volume id of the manager's persistent data volume (tracking and HPO databases). */
  managerVolume: 'manager/volume',
  /** Name of the ECS capacity provider that holds the manager. */
  managerCapacityProvider: 'manager/capacity-provider',
  /** Name of the workers' Auto Scaling group (0..maxWorkers instances). */
  workerAsg: 'workers/asg',
  /** Name of the workers' ECS capacity provider: run training tasks with this strategy. */
  workerCapacityProvider: 'workers/capacity-provider',
  /** ARN of the worker task definition (runtime image, host networking). */
  workerTaskDefinition: 'workers/task-definition',
  /** Name of the worker container in that task definition (for command/env overrides). */
  workerContainer: 'workers/container',
  /** CloudWatch log group of every container of the dojo. */
  logGroup: 'log-group',
  /** ECS service name of the MLflow tracking server; `none` (NO_SERVICE_VALUE) with an existing server. */
  trackingService: 'tracking/service',
  /** ECS service name of the HPO service. */
  hpoService: 'hpo/service',
  /** GPUs per worker instance (`0` for CPU types): command job tasks reserve this many. */
  workerGpus: 'workers/gpus',
  /**
   * ARN of the command-job driver task definition: the runtime image on the manager (host
   * networking); the provider overrides its command with `dojo job drive` at RunTask.
   */
  commandDriverTaskDefinition: 'commands/driver-task-definition',
  /** Name of the driver container in that task definition (for command/env overrides). */
  commandDriverContainer: 'commands/driver-container',
  /** ARN of the role command replicas run as (reads `data/*`, reads/writes `artifacts/*`). */
  commandTaskRole: 'commands/task-role',
  /** ARN of the execution role of command tasks (pulls the user's image, writes the log group). */
  commandExecutionRole: 'commands/execution-role',
  /** `dojo-<dojoId>-cmd-`: every command job's task definition family starts with it. */
  commandFamilyPrefix: 'commands/family-prefix',
} as const;

/** A key of DOJO_PARAMETERS. */
export type DojoParameterKey = keyof typeof DOJO_PARAMETERS;

/** `/dojo/<dojoId>/`: the prefix for `GetParametersByPath` (recursive) and for IAM scoping. */
export function dojoParameterPrefix(dojoId: string): string {
  return `/dojo/${dojoId}/`;
}

/** Full SSM name of one parameter, e.g. `dojoParameterName('demo', 'cluster')` → `/dojo/demo/cluster`. */
export function dojoParameterName(dojoId: string, key: DojoParameterKey): string {
  return `${dojoParameterPrefix(dojoId)}${DOJO_PARAMETERS[key]}`;
}

/** Value of `tracking/service` when the dojo uses an existing MLflow server and deploys none. */
export const NO_SERVICE_VALUE = 'none';

/**
 * The SSM SecureString holding one MLflow auth variable of a dojo that uses an existing server
 * (`dojo init --tracking-uri`): written by the CLI (CloudFormation cannot create SecureStrings),
 * read by ECS into the HPO service's and the workers' containers, deleted by `dojo rm`.
 */
export function trackingSecretParameterName(dojoId: string, name: string): string {
  return `/dojo-cli/${dojoId}/tracking/${name}`;
}

/**
 * `dojo-<dojoId>-cmd-`: the prefix of command jobs' task definition families; the driver may run
 * only task definitions whose family starts with it.
 */
export function commandFamilyPrefix(dojoId: string): string {
  return `dojo-${dojoId}-cmd-`;
}

/** The task definition family of one command job: `dojo-<dojoId>-cmd-<jobId>`. */
export function commandTaskFamily(dojoId: string, jobId: string): string {
  return `${commandFamilyPrefix(dojoId)}${jobId}`;
}

/** Value of `manager/instance-id` and `manager/address` until the manager has booted once. */
export const PENDING_VALUE = 'pending';

/** Values of the `status` parameter. */
export const DOJO_STATUS = { active: 'active', deactivated: 'deactivated' } as const;

/** CloudFormation stack name of a dojo. */
export function dojoStackName(dojoId: string): string {
  return `dojo-${dojoId}`;
}

/** CloudFormation output names of the dojo stack (same facts as the parameters). */
export const DOJO_OUTPUTS = {
  /** The dojo id. */
  dojoId: 'DojoId',
  /** ECS cluster name. */
  cluster: 'ClusterName',
  /** S3 bucket name. */
  bucket: 'BucketName',
  /** Manager Auto Scaling group name. */
  managerAsg: 'ManagerAsgName',
  /** Manager data volume id. */
  managerVolume: 'ManagerVolumeId',
  /** Worker Auto Scaling group name. */
  workerAsg: 'WorkerAsgName',
  /** Worker capacity provider name. */
  workerCapacityProvider: 'WorkerCapacityProviderName',
  /** Manager capacity provider name. */
  managerCapacityProvider: 'ManagerCapacityProviderName',
  /** Worker task definition ARN. */
  workerTaskDefinition: 'WorkerTaskDefinitionArn',
  /** Log group name. */
  logGroup: 'LogGroupName',
  /** The SSM parameter prefix `/dojo/<id>/`. */
  parameterPrefix: 'ParameterPrefix',
} as const;

/** The tag every taggable resource of a dojo carries, with the dojo id as value. */
export const DOJO_TAG_KEY = 'dojo:id';
