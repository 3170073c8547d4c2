// Command jobs on AWS: the task definition `job create --image IMG --command CMD` registers (the
// user's image running the command, nothing of dojo inside it), and the trial drivers `job start`
// runs on the manager (`dojo job drive --provider aws`), one per --parallel slot, each starting its
// trials' replicas as tasks of that definition (replicas.ts).
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, type ContainerDefinition, type ECSClient, type TaskDefinition, type Volume } from '@aws-sdk/client-ecs';
import { DojoError } from '../../errors';
import { COMMAND_ENV } from '../../jobs/env';
import { commandTaskFamily } from '../../infra/parameters';
import { COMMAND_SETTINGS_ENV, DEFAULT_GRACE_MS, DRIVER_ENV } from '../jobs/driver/settings';
import { jobTags } from './jobs';
import type { DojoParams } from './params';
import type { EcsReplicaSpec } from './replicas';

/** The container of a command job's task definition that runs the user's image and command. */
export const COMMAND_CONTAINER = 'replica';

/** The sidecar that follows the replica's result file and writes its lines to its own log stream. */
export const RESULTS_CONTAINER = 'results';

/** The task volume both containers mount: the replica appends to its result file there. */
export const RESULTS_VOLUME = 'dojo-results';

/** Where the volume is mounted in both containers. */
export const RESULTS_DIR = '/dojo-results';

/** DOJO_RESULT_FILE of every replica on AWS (each task has a volume of its own). */
export const AWS_RESULT_FILE = `${RESULTS_DIR}/result.jsonl`;

/** Memory the sidecar reserves (MiB), taken from the replica's share so the task still fits one instance. */
export const RESULTS_MEMORY_MIB = 64;

/** The sidecar's command (after the runtime image's entry point `node /app/dojo.mjs`). */
export const RESULTS_COMMAND: readonly string[] = ['job', 'follow-results', '--file', AWS_RESULT_FILE];

/** The environment variable that carries the EcsReplicaSpec (JSON) to an AWS driver; never passed to replicas. */
export const ECS_REPLICAS_ENV = DRIVER_ENV.ecsReplicas;

/** The environment variable that carries the user's -e environment (JSON) to an AWS driver, for its replicas. */
export const REPLICA_BASE_ENV = DRIVER_ENV.replicaBaseEnv;

/** The longest stopTimeout ECS accepts (s): the grace period on AWS is at most this. */
export const MAX_STOP_TIMEOUT_S = 120;

/** The ECS stopTimeout (s) of a grace period (ms): ECS takes 2..120 s. */
export function stopTimeoutOf(graceMs: number): number {
  return Math.min(MAX_STOP_TIMEOUT_S, Math.max(2, Math.ceil(graceMs / 1000)));
}

/** The shell command line as the container's command: the image needs a POSIX shell, nothing else. */
export function containerCommand(command: string): string[] {
  return ['/bin/sh', '-c', command];
}

/** What the registration needs from the deployed dojo. */
export interface CommandTaskSpec {
  readonly dojoId: string;
  readonly jobId: string;
  readonly image: string;
  /** The shell command line (a project's is its entry point's template; each replica gets the trial's filled line as an override). */
  readonly command: string;
  readonly taskRole: string;
  readonly executionRole: string;
  readonly logGroup: string;
  readonly region: string;
  /** GPUs each replica reserves (the worker type's count; 0 for CPU types). */
  readonly gpus: number;
  /** The stack's worker task definition: its CPU/memory reservation (one task per instance) and placement are copied. */
  readonly workerTaskDefinition: string;
  readonly workerContainer: string;
  /** @default DEFAULT_GRACE_MS */
  readonly graceMs?: number;
}

/** GPUs per worker instance as the stack publishes them (`workers/gpus`; absent or unreadable: 0). */
export function gpusOf(params: DojoParams): number {
  const n = Number(params.workerGpus ?? '0');
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The awslogs stream prefix of a command job's replicas: streams are `<job id>/replica/<task id>`. */
export function commandStreamPrefix(jobId: string): string {
  return jobId;
}

/**
 * Registers the command job's task definition (family `dojo-<dojo>-cmd-<job>`): the user's image
 * with the command as its command, the command roles, host networking (MASTER_ADDR/PORT reachable
 * between instances), the worker's CPU/memory reservation and placement, the GPUs of the worker
 * type, the worker's MLflow auth secrets, and logging to the dojo's log group; beside it the result
 * file's follower (resultsSidecar), both mounting the task's results volume. Returns its ARN.
 */
export async function registerCommandTaskDefinition(ecs: ECSClient, s: CommandTaskSpec): Promise<string> {
  const worker = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: s.workerTaskDefinition }))).taskDefinition;
  const wc = worker?.containerDefinitions?.find((c) => c.name === s.workerContainer);
  if (!worker || !wc) {
    throw new DojoError('CONFLICT', `task definition ${s.workerTaskDefinition} has no container "${s.workerContainer}"; redeploy the dojo (\`dojo rm\` then \`dojo activate\`)`);
  }
  if (!wc.image) throw new DojoError('CONFLICT', `task definition ${s.workerTaskDefinition} names no image for "${s.workerContainer}"; redeploy the dojo`);
  const logConfiguration = {
    logDriver: 'awslogs' as const,
    options: { 'awslogs-group': s.logGroup, 'awslogs-region': s.region, 'awslogs-stream-prefix': commandStreamPrefix(s.jobId) },
  };
  const container: ContainerDefinition = {
    name: COMMAND_CONTAINER,
    image: s.image,
    command: containerCommand(s.command),
    essential: true,
    cpu: wc.cpu,
    memoryReservation: wc.memoryReservation === undefined ? undefined : Math.max(RESULTS_MEMORY_MIB, wc.memoryReservation - RESULTS_MEMORY_MIB),
    stopTimeout: stopTimeoutOf(s.graceMs ?? DEFAULT_GRACE_MS),
    logConfiguration,
    environment: [{ name: COMMAND_ENV.resultFile, value: AWS_RESULT_FILE }],
    mountPoints: [{ sourceVolume: RESULTS_VOLUME, containerPath: RESULTS_DIR, readOnly: false }],
    // The follower runs before the command can write its first line (it reads the file from its start anyway).
    dependsOn: [{ containerName: RESULTS_CONTAINER, condition: 'START' }],
    ...(s.gpus > 0 ? { resourceRequirements: [{ type: 'GPU', value: String(s.gpus) }] } : {}),
    // An existing MLflow server's auth variables (init --tracking-uri): the same ECS secrets as the
    // worker's (SecureStrings the command execution role may read), never plain RunTask environment.
    ...(wc.secrets?.length ? { secrets: wc.secrets } : {}),
  };
  return register(ecs, {
    family: commandTaskFamily(s.dojoId, s.jobId),
    taskRoleArn: s.taskRole,
    executionRoleArn: s.executionRole,
    networkMode: 'host',
    requiresCompatibilities: ['EC2'],
    placementConstraints: worker.placementConstraints,
    // The replica first: it is the task's one essential container, whose exit ends the task.
    containerDefinitions: [container, resultsSidecar(wc.image, logConfiguration)],
    volumes: [resultsVolume()],
  }, s.dojoId, s.jobId);
}

/**
 * The task volume of the result file: a tmpfs (Docker's local driver) whose root any user may
 * write, since the user's image may run as any uid and the follower runs as the runtime's `node`.
 */
export function resultsVolume(): Volume {
  return {
    name: RESULTS_VOLUME,
    dockerVolumeConfiguration: { scope: 'task', driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=16m,mode=1777' } },
  };
}

/**
 * The follower sidecar: dojo's runtime image (the workers'), not essential (ECS stops it with
 * SIGTERM when the replica exits; it then writes the rest and its end marker), no GPU, a small
 * memory reservation, logs in the replica's group as `<job>/results/<task id>`.
 */
function resultsSidecar(runtimeImage: string, logConfiguration: ContainerDefinition['logConfiguration']): ContainerDefinition {
  return {
    name: RESULTS_CONTAINER,
    image: runtimeImage,
    command: [...RESULTS_COMMAND],
    essential: false,
    memoryReservation: RESULTS_MEMORY_MIB,
    // Flushing takes milliseconds; SIGKILL comes only if the follower hangs.
    stopTimeout: 10,
    mountPoints: [{ sourceVolume: RESULTS_VOLUME, containerPath: RESULTS_DIR, readOnly: true }],
    logConfiguration,
  };
}

/**
 * The job's task definition with the stopTimeout of grace period graceMs: the recorded one when
 * it has it, else a new revision of it (ECS takes the SIGKILL delay from the task definition only).
 */
export async function withStopTimeout(ecs: ECSClient, arn: string, graceMs: number, dojoId: string, jobId: string): Promise<string> {
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition;
  const c = td?.containerDefinitions?.find((x) => x.name === COMMAND_CONTAINER);
  if (!td || !c) throw new DojoError('CONFLICT', `task definition ${arn} of job ${jobId} has no container "${COMMAND_CONTAINER}"; create the job again`);
  // A job created before replicas had a result file on AWS: its replicas would write to a folder nobody reads.
  if (!td.containerDefinitions?.some((x) => x.name === RESULTS_CONTAINER)) {
    throw new DojoError('CONFLICT', `task definition ${arn} of job ${jobId} has no result file follower ("${RESULTS_CONTAINER}"): it predates DOJO_RESULT_FILE on AWS; create the job again`);
  }
  const want = stopTimeoutOf(graceMs);
  if (c.stopTimeout === want) return arn;
  return register(ecs, {
    family: td.family,
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
    networkMode: td.networkMode,
    requiresCompatibilities: td.requiresCompatibilities,
    placementConstraints: td.placementConstraints,
    containerDefinitions: (td.containerDefinitions ?? []).map((x) => (x.name === COMMAND_CONTAINER ? { ...x, stopTimeout: want } : x)),
    volumes: td.volumes,
  }, dojoId, jobId);
}

async function register(ecs: ECSClient, td: Pick<TaskDefinition, 'family' | 'taskRoleArn' | 'executionRoleArn' | 'networkMode' | 'requiresCompatibilities' | 'placementConstraints' | 'containerDefinitions' | 'volumes'>, dojoId: string, jobId: string): Promise<string> {
  const r = await ecs.send(new RegisterTaskDefinitionCommand({ ...td, family: td.family!, containerDefinitions: td.containerDefinitions ?? [], tags: jobTags(dojoId, jobId) }));
  const arn = r.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new DojoError('AWS', `RegisterTaskDefinition of ${td.family} returned no ARN`);
  return arn;
}

/** The grace period of a start's -e environment (USAGE when ECS cannot honour it). */
export function graceOf(env: Readonly<Record<string, string>>): number {
  const raw = env[COMMAND_SETTINGS_ENV.graceMs];
  if (raw === undefined) return DEFAULT_GRACE_MS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > MAX_STOP_TIMEOUT_S * 1000) {
    throw new DojoError('USAGE', `-e ${COMMAND_SETTINGS_ENV.graceMs} ${raw}: on AWS a whole number of ms up to ${MAX_STOP_TIMEOUT_S * 1000} (ECS's longest stopTimeout)`);
  }
  return n;
}

/** The spec an AWS driver reads from its environment (USAGE naming the variable when it is not usable). */
export function ecsSpecFromEnv(env: Readonly<Record<string, string | undefined>>): EcsReplicaSpec {
  const raw = env[ECS_REPLICAS_ENV];
  if (!raw) throw new DojoError('USAGE', `${ECS_REPLICAS_ENV} is not set: \`dojo job drive --provider aws\` is started by \`dojo job start\` with it`);
  let j: unknown;
  try {
    j = JSON.parse(raw);
  } catch {
    throw new DojoError('USAGE', `${ECS_REPLICAS_ENV}: not JSON`);
  }
  const o = j as Record<string, unknown>;
  const strings = ['dojoId', 'jobId', 'region', 'cluster', 'capacityProvider', 'taskDefinition', 'container', 'logGroup', 'streamPrefix'] as const;
  for (const k of strings) if (typeof o[k] !== 'string' || o[k] === '') throw new DojoError('USAGE', `${ECS_REPLICAS_ENV}: "${k}" must be a non-empty string`);
  for (const k of ['group', 'masterPort'] as const) if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) throw new DojoError('USAGE', `${ECS_REPLICAS_ENV}: "${k}" must be a whole number`);
  return o as unknown as EcsReplicaSpec;
}
