// The environment contract between the providers, which start a job's workers, and the runtime,
// which reads it (README "Environment of a worker"): every variable's name, the book's aliases,
// which names dojo reserves for itself, what a user gives with `dojo job start -e`, and the
// environment of one worker. Providers write it with workerEnv(); the runtime reads it with
// envValue() and the name tables here, so neither side spells a name of its own.
import { isAbsolute, resolve } from 'node:path';
import { DojoError } from '../errors';
import type { JobKind } from './kinds';

/** What dojo tells every worker of a built-in job about the job (set by the provider, never by the user). */
export const WORKER_ENV = {
  trackingUri: 'DOJO_TRACKING_URI',
  hpoUri: 'DOJO_HPO_URI',
  study: 'DOJO_STUDY',
  replicas: 'DOJO_REPLICAS',
  jobId: 'DOJO_JOB_ID',
  group: 'DOJO_WORKER_GROUP',
  metric: 'DOJO_METRIC',
  /** Local provider only: where the worker records its current trial (so a dead worker's trial is failed). */
  statusFile: 'DOJO_WORKER_STATUS_FILE',
  /** The bearer token the dojo's own servers require (the HPO client reads it). */
  token: 'DOJO_TOKEN',
  /** AWS provider only: until when (epoch ms) replicas wait for each other at their first rendezvous (instances may still boot). */
  rendezvousDeadline: 'DOJO_RENDEZVOUS_DEADLINE',
} as const;

/** MLflow's own variable for a tracking server's bearer token (set for the dojo's own server). */
export const TRACKING_TOKEN_ENV = 'MLFLOW_TRACKING_TOKEN';

/** Where the job's data is (given by the user with -e; the train and validation globs are required). */
export const GLOB_ENV = {
  train: 'DOJO_TRAIN_GLOB',
  val: 'DOJO_VAL_GLOB',
  test: 'DOJO_TEST_GLOB',
} as const;

/** The data globs a job reads. */
export const GLOB_KEYS = [GLOB_ENV.train, GLOB_ENV.val, GLOB_ENV.test] as const;

/** What dojo tells each replica of a command job about its trial (README "Command jobs"). */
export const COMMAND_ENV = {
  /** The trial's hyperparameters as a JSON object. */
  params: 'DOJO_TRIAL_PARAMS',
  number: 'DOJO_TRIAL_NUMBER',
  /** Where code that does not use MLflow appends JSON lines: `{"step": s, "value": v}`, then `{"value": x}`. */
  resultFile: 'DOJO_RESULT_FILE',
} as const;

/** PyTorch's names for a replica's place (`init_process_group(init_method="env://")`, torchrun). */
export const TORCH_ENV = {
  rank: 'RANK',
  worldSize: 'WORLD_SIZE',
  localRank: 'LOCAL_RANK',
  localWorldSize: 'LOCAL_WORLD_SIZE',
  masterAddr: 'MASTER_ADDR',
  masterPort: 'MASTER_PORT',
} as const;

/** MLflow's names for the run a replica logs into (`mlflow.start_run()` resumes it). */
export const MLFLOW_RUN_ENV = {
  trackingUri: 'MLFLOW_TRACKING_URI',
  experimentId: 'MLFLOW_EXPERIMENT_ID',
  runId: 'MLFLOW_RUN_ID',
} as const;

/** Who a replica is and where rank 0 listens (set by the rendezvous or `dojo train --replicas`). */
export const REPLICA_ENV = {
  rank: 'DOJO_RANK',
  worldSize: 'DOJO_WORLD_SIZE',
  masterAddr: 'DOJO_MASTER_ADDR',
  masterPort: 'DOJO_MASTER_PORT',
  /** The trial a replica trains, for its messages. */
  trial: 'DOJO_TRIAL',
  /** Bound on noticing a lost replica, in ms. */
  timeoutMs: 'DOJO_DIST_TIMEOUT_MS',
} as const;

/** Settings of the built-in worker a user may give with -e (README "Walkthrough"). */
export const WORKER_SETTINGS_ENV = {
  dtype: 'DOJO_DTYPE',
  onBadRow: 'DOJO_ON_BAD_ROW',
  evalEvery: 'DOJO_EVAL_EVERY',
  shardSize: 'DOJO_SHARD_SIZE',
  rendezvousTimeoutMs: 'DOJO_RENDEZVOUS_TIMEOUT_MS',
  lostTimeoutMs: 'DOJO_LOST_TIMEOUT_MS',
  patienceMs: 'DOJO_PATIENCE_MS',
  maxConsecutiveFailures: 'DOJO_MAX_CONSECUTIVE_FAILURES',
  logEveryNSteps: 'DOJO_LOG_EVERY_N_STEPS',
  metricsSpillDir: 'DOJO_METRICS_SPILL_DIR',
  metricsDrainMs: 'DOJO_METRICS_DRAIN_MS',
  dataMemory: 'DOJO_DATA_MEMORY',
} as const;

/**
 * The other names each dojo variable is accepted under, in order of preference: the book's
 * (`KAEN_*`) and PyTorch's (`MASTER_ADDR`, `MASTER_PORT`).
 */
export const ENV_ALIASES: Readonly<Record<string, readonly string[]>> = {
  [GLOB_ENV.train]: ['KAEN_OSDS_TRAIN_GLOB'],
  [GLOB_ENV.val]: ['KAEN_OSDS_VAL_GLOB'],
  [GLOB_ENV.test]: ['KAEN_OSDS_TEST_GLOB'],
  [REPLICA_ENV.rank]: ['KAEN_RANK'],
  [REPLICA_ENV.worldSize]: ['KAEN_WORLD_SIZE'],
  [REPLICA_ENV.masterAddr]: ['KAEN_JOB_MANAGER_IP', 'MASTER_ADDR'],
  [REPLICA_ENV.masterPort]: ['MASTER_PORT'],
};

/** The dojo name an alias stands for (`KAEN_OSDS_TRAIN_GLOB` → `DOJO_TRAIN_GLOB`), or the name itself. */
export function canonicalName(name: string): string {
  for (const [canonical, aliases] of Object.entries(ENV_ALIASES)) if (aliases.includes(name)) return canonical;
  return name;
}

/** A variable and the name it was found under (for messages that name what the user set). */
export interface EnvEntry {
  readonly name: string;
  readonly value: string;
}

/** The first non-blank value of name or one of its aliases, trimmed; undefined when none is set. */
export function envEntry(env: Readonly<Record<string, string | undefined>>, name: string): EnvEntry | undefined {
  for (const n of [name, ...(ENV_ALIASES[name] ?? [])]) {
    const value = env[n]?.trim();
    if (value) return { name: n, value };
  }
  return undefined;
}

/** The value of name or one of its aliases (see envEntry). */
export function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  return envEntry(env, name)?.value;
}

/** How a name is spelled in messages: `DOJO_TRAIN_GLOB (or KAEN_OSDS_TRAIN_GLOB)`. */
export function describeName(name: string): string {
  const aliases = ENV_ALIASES[name] ?? [];
  return aliases.length === 0 ? name : `${name} (or ${aliases.join(' or ')})`;
}

// What dojo sets for each worker of a kind; a user value would break the job.
const RESERVED: Readonly<Record<JobKind, readonly string[]>> = {
  builtin: [...Object.values(WORKER_ENV), REPLICA_ENV.rank, REPLICA_ENV.worldSize],
  command: [...Object.values(WORKER_ENV), ...Object.values(REPLICA_ENV), ...Object.values(COMMAND_ENV), ...Object.values(TORCH_ENV), ...Object.values(MLFLOW_RUN_ENV), 'KAEN_RANK', 'KAEN_WORLD_SIZE', 'KAEN_JOB_MANAGER_IP'],
};

// Settings only one kind's workers read: given to a job of another kind they would do nothing.
const KIND_ONLY: Readonly<Record<JobKind, readonly string[]>> = {
  builtin: [],
  command: Object.values(WORKER_SETTINGS_ENV),
};

// What a job of a kind cannot run without.
const REQUIRED: Readonly<Record<JobKind, readonly string[]>> = {
  builtin: [GLOB_ENV.train, GLOB_ENV.val],
  command: [],
};

/** The names dojo sets itself for the workers of a job kind (refused in -e). */
export function reservedNames(kind: JobKind): ReadonlySet<string> {
  return new Set(RESERVED[kind]);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Turns the -e pairs of `dojo job start` into the job environment: aliases resolved, reserved names
 * refused, the kind's required variables (the built-in worker's train and validation globs) present,
 * plain relative paths made absolute against cwd (workers start elsewhere and must read the same files).
 */
export function normalizeJobEnv(pairs: readonly (readonly [string, string])[], kind: JobKind = 'builtin', cwd: string = process.cwd()): Record<string, string> {
  const reserved = reservedNames(kind);
  const env: Record<string, string> = {};
  for (const [rawKey, value] of pairs) {
    if (!NAME.test(rawKey)) throw new DojoError('USAGE', `-e ${rawKey}: not a valid environment variable name`);
    const key = canonicalName(rawKey);
    if (reserved.has(key)) throw new DojoError('USAGE', `-e ${rawKey}: dojo sets ${key} for each ${kind === 'command' ? 'replica' : 'worker'} itself; remove it`);
    if (KIND_ONLY[kind].includes(key)) throw new DojoError('USAGE', `-e ${rawKey}: a setting of the built-in worker, which a command job does not run; remove it`);
    if (key in env && env[key] !== value) throw new DojoError('USAGE', `-e ${rawKey}: ${key} given twice with different values`);
    env[key] = value;
  }
  for (const key of REQUIRED[kind]) {
    if (!env[key]) throw new DojoError('USAGE', `missing -e ${key} GLOB (or the book's ${ENV_ALIASES[key]![0]}): where the job reads its data`);
  }
  for (const key of GLOB_KEYS) {
    const v = env[key];
    if (v && !URL_SCHEME.test(v) && !isAbsolute(v)) env[key] = resolve(cwd, v);
  }
  return env;
}

/** What a provider knows about one worker of a built-in job when it starts it. */
export interface BuiltinWorker {
  /** The manager's services as the worker reaches them. */
  readonly trackingUri: string;
  readonly hpoUri: string;
  readonly studyId: string;
  /** Replicas per trial (the size of the worker's group). */
  readonly replicas: number;
  readonly jobId: string;
  /** The worker group: its replicas train the same trial together. */
  readonly group: number;
  /** The metric the worker tells as the trial's value. */
  readonly metric: string;
  /** Local provider only (see WORKER_ENV.statusFile). */
  readonly statusFile?: string;
  /** The dojo's bearer token, when its servers require one. */
  readonly token?: string;
  /** The tracking server's bearer token for MLflow clients (the dojo's own server; an external one takes the user's MLflow variables). */
  readonly trackingToken?: string;
}

/**
 * The environment of one worker of a built-in job: the user's -e environment with dojo's own
 * variables over it. The replicas of a group find each other through the HPO service's
 * rendezvous under `<job>/<group>/<iteration>`, which is why they share the job id and group.
 */
export function workerEnv(user: Readonly<Record<string, string>>, w: BuiltinWorker): Record<string, string> {
  return {
    ...user,
    [WORKER_ENV.trackingUri]: w.trackingUri,
    [WORKER_ENV.hpoUri]: w.hpoUri,
    [WORKER_ENV.study]: w.studyId,
    [WORKER_ENV.replicas]: String(w.replicas),
    [WORKER_ENV.jobId]: w.jobId,
    [WORKER_ENV.group]: String(w.group),
    [WORKER_ENV.metric]: w.metric,
    ...(w.statusFile ? { [WORKER_ENV.statusFile]: w.statusFile } : {}),
    ...(w.token ? { [WORKER_ENV.token]: w.token } : {}),
    ...(w.trackingToken ? { [TRACKING_TOKEN_ENV]: w.trackingToken } : {}),
  };
}
