// What a worker process learns from its environment (the same variables locally and in an ECS task).
// The names and aliases are the worker contract's (lib/jobs/env.ts), which the providers write.
import { DojoError } from '../../../lib/errors';
import { ENV_ALIASES, GLOB_ENV, WORKER_ENV, WORKER_SETTINGS_ENV as KNOB, describeName, envValue } from '../../../lib/jobs/env';
import { parseMemorySize } from '../data/budget';
import { parseLogEveryNSteps } from '../train/metrics-policy';
import { DEFAULT_TRIAL_METRIC } from './metrics';

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
  /**
   * Bytes of parsed data the worker keeps in memory across trials (DOJO_DATA_MEMORY: a size such as
   * 2GiB or a share such as 40%; 0 streams every trial). @default - defaultDataMemory(): a share of the container's (else the machine's) memory
   */
  readonly dataMemoryBytes?: number;
  /** Training metrics are logged every this many steps and at the last (DOJO_LOG_EVERY_N_STEPS). @default 50 */
  readonly logEveryNSteps?: number;
  /** Where metric points wait on disk while the tracking server is away (DOJO_METRICS_SPILL_DIR). @default the OS temp dir's dojo-metrics */
  readonly metricsSpillDir?: string;
  /** How long a worker that is done waits for its metrics to be delivered (DOJO_METRICS_DRAIN_MS). @default 120000 */
  readonly metricsDrainMs?: number;
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
  { key: GLOB_ENV.train, values: 'GLOB', help: `training CSVs (required; or ${ENV_ALIASES[GLOB_ENV.train]!.join(' or ')})` },
  { key: GLOB_ENV.val, values: 'GLOB', help: `validation CSVs (required; or ${ENV_ALIASES[GLOB_ENV.val]!.join(' or ')})` },
  { key: GLOB_ENV.test, values: 'GLOB', help: `test CSVs: adds test_rmse (or ${ENV_ALIASES[GLOB_ENV.test]!.join(' or ')})` },
  { key: KNOB.dtype, values: 'float32|float64', help: 'training precision (default float64, as the book)' },
  { key: KNOB.onBadRow, values: 'fail|skip', help: 'an unparsable CSV row fails the trial, or is skipped and counted (default fail)' },
  { key: KNOB.evalEvery, values: 'N', help: 'steps between validation reports to the pruner (default: five per trial)' },
  { key: KNOB.shardSize, values: 'ROWS', help: 'rows per shard; small data with --replicas needs shards small enough for every replica (default 1048576)' },
  { key: KNOB.maxConsecutiveFailures, values: 'N', help: 'a worker stops after this many failed trials in a row (default 5)' },
  { key: KNOB.rendezvousTimeoutMs, values: 'MS', help: 'wait for the other replicas of a trial (default 60000)' },
  { key: KNOB.lostTimeoutMs, values: 'MS', help: 'bound on noticing a lost replica (default 30000)' },
  { key: KNOB.patienceMs, values: 'MS', help: 'keep retrying this long while the manager does not answer (default 120000)' },
  { key: KNOB.logEveryNSteps, values: 'N', help: 'training metrics are logged every N steps and at the last (default 50)' },
  { key: KNOB.metricsSpillDir, values: 'DIR', help: 'where metric points wait on disk while the tracking server is away (default: the temp dir\'s dojo-metrics)' },
  { key: KNOB.metricsDrainMs, values: 'MS', help: 'how long a finished worker waits for its metrics to be delivered (default 120000)' },
  { key: KNOB.dataMemory, values: 'SIZE', help: 'parsed data a worker keeps in memory across trials: 2GiB, 512MB, 40%; 0 streams every trial (default 25% of the container\'s or machine\'s memory)' },
];

/** Variables dojo itself sets for a worker (the worker contract's; job start refuses them in -e). */
export const WORKER_ENV_SET_BY_DOJO: readonly string[] = Object.values(WORKER_ENV);

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
    ...(env[KNOB.dataMemory] ? { dataMemoryBytes: parseMemorySize(env[KNOB.dataMemory]!, `worker: ${KNOB.dataMemory}`) } : {}),
    logEveryNSteps: parseLogEveryNSteps(env[KNOB.logEveryNSteps], `worker: ${KNOB.logEveryNSteps}`),
    metricsSpillDir: env[KNOB.metricsSpillDir] || undefined,
    metricsDrainMs: positiveInt(env, KNOB.metricsDrainMs, 120_000),
  };
}
