// What `dojo job drive` reads from its environment: the driver of one trial group of a command job
// (one driver per --parallel slot, so each runs one trial at a time, as a built-in worker group).
import { DojoError } from '../../../errors';
import { TRACKING_TOKEN_ENV, WORKER_ENV } from '../../../jobs/env';
import type { CommandJob } from '../../../jobs/replica-env';

/** The driver's own variables (given by the provider; never passed on to the replicas). */
export const DRIVER_ENV = {
  /** The command job as recorded by `job create` (JSON of CommandJob). */
  commandJob: 'DOJO_COMMAND_JOB',
  /** AWS: where the replicas run (JSON of EcsReplicaSpec, ../../aws/replicas.ts). */
  ecsReplicas: 'DOJO_ECS_REPLICAS',
  /** AWS: the user's -e environment (JSON), the replicas' base environment. */
  replicaBaseEnv: 'DOJO_REPLICA_BASE_ENV',
} as const;

/** Command-job settings a user may give with -e. */
export const COMMAND_SETTINGS_ENV = {
  /** Ms between SIGTERM and SIGKILL when a trial's replicas are stopped (pruned, failed, job stop). */
  graceMs: 'DOJO_STOP_GRACE_MS',
} as const;

/** The default grace period before SIGKILL. */
export const DEFAULT_GRACE_MS = 10_000;

/** Everything one driver needs. */
export interface DriveSettings {
  readonly jobId: string;
  readonly studyId: string;
  readonly group: number;
  readonly replicas: number;
  readonly metric: string;
  readonly hpoUri: string;
  readonly trackingUri: string;
  readonly token?: string;
  readonly trackingToken?: string;
  readonly job: CommandJob;
  readonly graceMs: number;
  /** Local provider only: where the driver records its current trial (so a dead driver's trial is failed). */
  readonly statusFile?: string;
}

/** The variables of the driver's environment that are its own, not the replicas'. */
export const DRIVER_ONLY: readonly string[] = [
  WORKER_ENV.trackingUri,
  WORKER_ENV.hpoUri,
  WORKER_ENV.replicas,
  WORKER_ENV.group,
  WORKER_ENV.statusFile,
  WORKER_ENV.token,
  DRIVER_ENV.commandJob,
  DRIVER_ENV.ecsReplicas,
  DRIVER_ENV.replicaBaseEnv,
];

function need(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new DojoError('USAGE', `${name} is not set: \`dojo job drive\` is started by \`dojo job start\` with it`);
  return v;
}

function whole(env: Readonly<Record<string, string | undefined>>, name: string, min: number, fallback?: number): number {
  const raw = env[name]?.trim();
  if (!raw && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (!raw || !/^\d+$/.test(raw) || n < min) throw new DojoError('USAGE', `${name} must be a whole number >= ${min}, got ${JSON.stringify(raw ?? '')}`);
  return n;
}

/** The driver's settings from its environment (USAGE errors name the variable). */
export function driveSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): DriveSettings {
  let job: CommandJob;
  try {
    job = JSON.parse(need(env, DRIVER_ENV.commandJob)) as CommandJob;
  } catch (e) {
    if (e instanceof DojoError) throw e;
    throw new DojoError('USAGE', `${DRIVER_ENV.commandJob}: not JSON`);
  }
  if (typeof job.command !== 'string' || typeof job.workdir !== 'string') throw new DojoError('USAGE', `${DRIVER_ENV.commandJob}: expected {"command": ..., "workdir": ...}`);
  const token = env[WORKER_ENV.token]?.trim();
  const trackingToken = env[TRACKING_TOKEN_ENV]?.trim();
  const statusFile = env[WORKER_ENV.statusFile]?.trim();
  return {
    jobId: need(env, WORKER_ENV.jobId),
    studyId: need(env, WORKER_ENV.study),
    group: whole(env, WORKER_ENV.group, 0),
    replicas: whole(env, WORKER_ENV.replicas, 1),
    metric: need(env, WORKER_ENV.metric),
    hpoUri: need(env, WORKER_ENV.hpoUri),
    trackingUri: need(env, WORKER_ENV.trackingUri),
    job,
    graceMs: whole(env, COMMAND_SETTINGS_ENV.graceMs, 0, DEFAULT_GRACE_MS),
    ...(token ? { token } : {}),
    ...(trackingToken ? { trackingToken } : {}),
    ...(statusFile ? { statusFile } : {}),
  };
}

/** The replicas' base environment: the driver's, without the variables that are the driver's own. */
export function replicaBaseEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !DRIVER_ONLY.includes(k)) out[k] = v;
  return out;
}
