// What a worker process learns from its environment (the same variables locally and in an ECS task).
// The names and aliases are the worker contract's (lib/jobs/env.ts), which the providers write.
import { DojoError } from '../../../lib/errors';
import { DEFAULT_TRIAL_METRIC } from './metrics';
import { GLOB_ENV, WORKER_ENV, WORKER_SETTINGS_ENV as KNOB, describeName, envValue } from '../../../lib/jobs/env';

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
  /** The metric told to the HPO service as the trial's value. @default DEFAULT_TRIAL_METRIC */
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

function need(env: NodeJS.ProcessEnv, key: string): string {
  const v = envValue(env, key);
  if (!v) throw new DojoError('USAGE', `worker: ${describeName(key)} is not set`);
  return v;
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, fallback: number | undefined): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new DojoError('USAGE', `worker: ${key} must be a whole number >= 1, got "${v}"`);
  return n;
}

/** Reads the worker settings (the contract's names and aliases, e.g. the book's KAEN_OSDS_*_GLOB). */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv, overrides: { job?: string; group?: string } = {}): WorkerSettings {
  const dtype = env[KNOB.dtype] ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64') throw new DojoError('USAGE', `worker: ${KNOB.dtype} must be float32 or float64, got "${dtype}"`);
  const onBadRow = env[KNOB.onBadRow] ?? 'fail';
  if (onBadRow !== 'fail' && onBadRow !== 'skip') throw new DojoError('USAGE', `worker: ${KNOB.onBadRow} must be fail or skip, got "${onBadRow}"`);
  return {
    trackingUri: envValue(env, WORKER_ENV.trackingUri),
    hpoUri: need(env, WORKER_ENV.hpoUri),
    studyId: need(env, WORKER_ENV.study),
    replicas: positiveInt(env, WORKER_ENV.replicas, 1)!,
    jobId: overrides.job ?? envValue(env, WORKER_ENV.jobId) ?? 'job',
    group: overrides.group ?? envValue(env, WORKER_ENV.group) ?? '0',
    trainGlob: need(env, GLOB_ENV.train),
    valGlob: need(env, GLOB_ENV.val),
    testGlob: envValue(env, GLOB_ENV.test),
    metric: envValue(env, WORKER_ENV.metric) ?? DEFAULT_TRIAL_METRIC,
    dtype,
    onBadRow,
    evalEvery: positiveInt(env, KNOB.evalEvery, undefined),
    shardSize: positiveInt(env, KNOB.shardSize, undefined),
    rendezvousTimeoutMs: positiveInt(env, KNOB.rendezvousTimeoutMs, 60_000)!,
    lostTimeoutMs: positiveInt(env, KNOB.lostTimeoutMs, 30_000)!,
    patienceMs: positiveInt(env, KNOB.patienceMs, 120_000)!,
    maxConsecutiveFailures: positiveInt(env, KNOB.maxConsecutiveFailures, 5)!,
    statusFile: envValue(env, WORKER_ENV.statusFile),
  };
}
