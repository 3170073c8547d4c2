// What a worker process learns from its environment (the same variables locally and in an ECS task).
import { DojoError } from '../../../lib/errors';

/** The settings of one worker process. */
export interface WorkerSettings {
  readonly trackingUri?: string;
  readonly hpoUri: string;
  readonly studyId: string;
  /** Replicas per trial (this worker's group size). */
  readonly replicas: number;
  readonly jobId: string;
  /** The worker group: the replicas of one group train the same trial together. */
  readonly group: string;
  readonly trainGlob: string;
  readonly valGlob: string;
  readonly testGlob?: string;
  /** The metric told to the HPO service as the trial's value. @default 'val_rmse' */
  readonly metric: string;
  readonly dtype: 'float32' | 'float64';
  readonly onBadRow: 'fail' | 'skip';
  /** Rows per shard (replica r reads shards r, r+R, ...). @default - the trainer's default */
  readonly shardSize?: number;
  /** Evaluate (and report to the pruner) every this many steps. @default - the trainer's default */
  readonly evalEvery?: number;
  /** How long to wait for the other replicas of a trial. @default 60000 */
  readonly rendezvousTimeoutMs: number;
  /** Bound on noticing a lost replica during a trial. @default 30000 */
  readonly lostTimeoutMs: number;
  /** How long to keep retrying while the manager does not answer (e.g. it restarts). @default 120000 */
  readonly patienceMs: number;
  /**
   * Stop after this many failed trials in a row: a systematic failure (unreadable data, a space
   * whose trials always fail) should not burn through every remaining trial. @default 5
   */
  readonly maxConsecutiveFailures: number;
  /** Local provider only: where to record the current trial. */
  readonly statusFile?: string;
}

/** A worker setting the user may pass with `dojo job start -e KEY VALUE` (`job start --help` lists them). */
export interface UserWorkerSetting {
  readonly key: string;
  /** The values it takes, e.g. `float32|float64`. */
  readonly values: string;
  readonly help: string;
}

/**
 * Every variable `workerSettingsFromEnv` reads that is the user's to set (test/worker/env.test.ts checks
 * the list against what it reads, so help and reader cannot drift apart).
 */
export const USER_WORKER_SETTINGS: readonly UserWorkerSetting[] = [
  { key: 'DOJO_TRAIN_GLOB', values: 'GLOB', help: 'training CSVs (required; or KAEN_OSDS_TRAIN_GLOB)' },
  { key: 'DOJO_VAL_GLOB', values: 'GLOB', help: 'validation CSVs (required; or KAEN_OSDS_VAL_GLOB)' },
  { key: 'DOJO_TEST_GLOB', values: 'GLOB', help: 'test CSVs: adds test_rmse (or KAEN_OSDS_TEST_GLOB)' },
  { key: 'DOJO_DTYPE', values: 'float32|float64', help: 'training precision (default float64, as the book)' },
  { key: 'DOJO_ON_BAD_ROW', values: 'fail|skip', help: 'an unparsable CSV row fails the trial, or is skipped and counted (default fail)' },
  { key: 'DOJO_EVAL_EVERY', values: 'N', help: 'steps between validation reports to the pruner (default: five per trial)' },
  { key: 'DOJO_SHARD_SIZE', values: 'ROWS', help: 'rows per shard; small data with --replicas needs shards small enough for every replica (default 1048576)' },
  { key: 'DOJO_MAX_CONSECUTIVE_FAILURES', values: 'N', help: 'a worker stops after this many failed trials in a row (default 5)' },
  { key: 'DOJO_RENDEZVOUS_TIMEOUT_MS', values: 'MS', help: 'wait for the other replicas of a trial (default 60000)' },
  { key: 'DOJO_LOST_TIMEOUT_MS', values: 'MS', help: 'bound on noticing a lost replica (default 30000)' },
  { key: 'DOJO_PATIENCE_MS', values: 'MS', help: 'keep retrying this long while the manager does not answer (default 120000)' },
];

/** Variables dojo itself sets for a worker (job start refuses or overrides them). */
export const WORKER_ENV_SET_BY_DOJO: readonly string[] = [
  'DOJO_TRACKING_URI', 'DOJO_HPO_URI', 'DOJO_STUDY', 'DOJO_REPLICAS', 'DOJO_JOB_ID', 'DOJO_WORKER_GROUP', 'DOJO_METRIC', 'DOJO_WORKER_STATUS_FILE',
];

function need(env: NodeJS.ProcessEnv, key: string, alias?: string): string {
  const v = env[key] ?? (alias ? env[alias] : undefined);
  if (!v) throw new DojoError('USAGE', `worker: ${key}${alias ? ` (or ${alias})` : ''} is not set`);
  return v;
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, fallback: number | undefined): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new DojoError('USAGE', `worker: ${key} must be a whole number >= 1, got "${v}"`);
  return n;
}

/** Reads the worker settings (DOJO_* names; the book's KAEN_OSDS_*_GLOB as aliases). */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv, overrides: { job?: string; group?: string } = {}): WorkerSettings {
  const dtype = env.DOJO_DTYPE ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64') throw new DojoError('USAGE', `worker: DOJO_DTYPE must be float32 or float64, got "${dtype}"`);
  const onBadRow = env.DOJO_ON_BAD_ROW ?? 'fail';
  if (onBadRow !== 'fail' && onBadRow !== 'skip') throw new DojoError('USAGE', `worker: DOJO_ON_BAD_ROW must be fail or skip, got "${onBadRow}"`);
  return {
    trackingUri: env.DOJO_TRACKING_URI || undefined,
    hpoUri: need(env, 'DOJO_HPO_URI'),
    studyId: need(env, 'DOJO_STUDY'),
    replicas: positiveInt(env, 'DOJO_REPLICAS', 1)!,
    jobId: overrides.job ?? env.DOJO_JOB_ID ?? 'job',
    group: overrides.group ?? env.DOJO_WORKER_GROUP ?? '0',
    trainGlob: need(env, 'DOJO_TRAIN_GLOB', 'KAEN_OSDS_TRAIN_GLOB'),
    valGlob: need(env, 'DOJO_VAL_GLOB', 'KAEN_OSDS_VAL_GLOB'),
    testGlob: env.DOJO_TEST_GLOB || env.KAEN_OSDS_TEST_GLOB || undefined,
    metric: env.DOJO_METRIC || 'val_rmse',
    dtype,
    onBadRow,
    evalEvery: positiveInt(env, 'DOJO_EVAL_EVERY', undefined),
    shardSize: positiveInt(env, 'DOJO_SHARD_SIZE', undefined),
    rendezvousTimeoutMs: positiveInt(env, 'DOJO_RENDEZVOUS_TIMEOUT_MS', 60_000)!,
    lostTimeoutMs: positiveInt(env, 'DOJO_LOST_TIMEOUT_MS', 30_000)!,
    patienceMs: positiveInt(env, 'DOJO_PATIENCE_MS', 120_000)!,
    maxConsecutiveFailures: positiveInt(env, 'DOJO_MAX_CONSECUTIVE_FAILURES', 5)!,
    statusFile: env.DOJO_WORKER_STATUS_FILE || undefined,
  };
}
