import { DojoError } from '../../../lib/errors';
import type { BadRowPolicy } from '../data/types';
import { soloCollective, type Collective } from '../collective/collective';
import { createModel, type HParams, type Model } from '../model';
import { prepActive, Preparer, preparedWidth, readerPolicy, type FittedPrep, type PrepParams } from '../prep';
import { streamingData, type DataGlobs, type TrainData } from './data';
import { Evaluator, type EvalResult } from './evaluate';
import { trainStep } from './step';
import { MetricsPolicy } from './metrics-policy';

import { DEFAULT_SHARD_SIZE } from './defaults';

export { DEFAULT_SHARD_SIZE };

/** Progress of a training run, reported after every step and evaluation (rank 0 only). */
export interface TrainProgress {
  readonly phase: 'train' | 'val' | 'test';
  /** Steps done and planned (max_batches). */
  readonly step: number;
  readonly steps: number;
  /** Training rows per second of compute (all replicas), so far. */
  readonly rowsPerSec: number;
  /** RMSE of the last step's batch (all replicas). */
  readonly trainRmse: number;
  readonly seconds: number;
}

/** What a training run does besides reading its data. */
export interface TrainRunOptions {
  readonly hparams: HParams;
  /** The reader policy for bad rows (a `missing` stage reads with `mark` instead). */
  readonly onBadRow: BadRowPolicy;
  /** The replicas of this run. @default soloCollective */
  readonly collective?: Collective;
  /** Evaluate on the validation set every this many steps and call onEval. @default - only at the end */
  readonly evalEvery?: number;
  onProgress?(p: TrainProgress): void;
  /**
   * Metrics to log (train_mse, train_rmse, rows_per_sec, ... at the steps `metricsPolicy` picks; val_rmse
   * at evaluations; the final ones); rank 0 only. A returned promise is awaited: backpressure.
   */
  onMetrics?(step: number, metrics: Record<string, number>): void | Promise<void>;
  /** Which steps' training metrics go to onMetrics. @default every 50 steps and the last (MetricsPolicy) */
  readonly metricsPolicy?: MetricsPolicy;
  /** Intermediate validation RMSE, on every replica (it may use the collective); 'prune' stops training. */
  onEval?(step: number, valRmse: number): Promise<'continue' | 'prune'>;
  /** Rank 0 only: the trained model and its result, before train() returns (e.g. to save the model file). */
  onTrained?(model: Model, result: TrainResult): Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * One training run (what `dojo train` and every HPO trial do): its datasets as globs, streamed from
 * storage, or an already-open `data` (e.g. a worker's cache).
 */
export type TrainOptions = TrainRunOptions & (DataGlobs | { readonly data: TrainData });

/** Where a run's time went, in seconds of this replica (the parts do not overlap). */
export interface TrainTimes {
  /** Forward + backward + allreduce + clip + optimizer step. */
  compute: number;
  /** Opening, reading, parsing and preparing batches, and fitting the feature stages. */
  data: number;
  /** Evaluation passes, without their reading (counted in `data`). */
  eval: number;
  /** Inside the caller's onEval and onTrained (e.g. reports to the pruner, saving the model). */
  hooks: number;
}

/** The outcome of a training run (the final JSON line of `dojo train`). */
export interface TrainResult {
  train_mse: number;
  train_rmse: number;
  val_rmse: number;
  test_rmse?: number;
  /** Training compute only (forward + backward + allreduce + clip + step), all replicas. */
  rows_per_sec: number;
  /** Including reading and parsing the training data. */
  end_to_end_rows_per_sec: number;
  parse_mb_per_sec: number;
  seconds: number;
  rows_skipped: number;
  steps: number;
  pruned: boolean;
  /** With a `missing = drop` stage: training, validation and test rows dropped for a bad feature. */
  rows_dropped?: number;
  /** With a `missing = mean` stage: training feature values replaced by the training mean. */
  values_imputed?: number;
  /** Where this replica's time went. */
  time: TrainTimes;
}

/**
 * Trains the fare model as the book's DDP job did: parameters broadcast from rank 0, each replica
 * streams its shards of the training data, gradients averaged every step, then validation (and test)
 * RMSE over all replicas' shards. Only rank 0 reports progress and metrics.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const hp = opts.hparams;
  const data = 'data' in opts ? opts.data : streamingData(opts);
  const dtype = data.dtype;
  const collective = opts.collective ?? soloCollective;
  const rank0 = collective.rank === 0;
  const evalEvery = opts.evalEvery ?? 0;
  const time: TrainTimes = { compute: 0, data: 0, eval: 0, hooks: 0 };
  const timed = async <T>(part: keyof TrainTimes, fn: () => Promise<T>): Promise<T> => {
    const s0 = performance.now();
    try {
      return await fn();
    } finally {
      time[part] += (performance.now() - s0) / 1000;
    }
  };
  const replica = { rank: collective.rank, worldSize: collective.worldSize, batchSize: hp.batch_size };
  opts.signal?.throwIfAborted();

  // Feature stages (issue 10): off unless the hparams name one, and then the raw path is untouched.
  const stages: PrepParams = { missing: hp.missing, bins: hp.bins, scale: hp.scale };
  const policy = readerPolicy(stages, opts.onBadRow);
  let prep: FittedPrep | undefined;
  if (prepActive(stages)) prep = await timed('data', () => data.fit(stages, { ...replica, policy }, collective, opts.signal));
  const preparer = prep ? new Preparer(prep, dtype, hp.batch_size) : undefined;
  const reader = await timed('data', () => data.open('train', { ...replica, policy, cycle: true }, opts.signal, preparer));
  const model = prep ? createModel({ ...hp, num_features: preparedWidth(prep.bins) }, dtype, { prep }) : createModel(hp, dtype);
  const val = new Evaluator(model, data, 'val', opts.onBadRow, collective);
  let pruned = false;
  let steps = 0;
  let rowsTrained = 0;
  let trainMse = NaN;
  const metricsPolicy = opts.metricsPolicy ?? new MetricsPolicy();
  // The last step's training metrics when the policy did not log that step (stopped early): logged after the loop.
  let unlogged: { step: number; metrics: Record<string, number> } | undefined;
  try {
    if (collective.worldSize > 1) await collective.broadcast(model.params, 0);
    for (let step = 1; step <= hp.max_batches; step++) {
      opts.signal?.throwIfAborted();
      const d0 = performance.now();
      const batch = await reader.next();
      const c0 = performance.now();
      time.data += (c0 - d0) / 1000;
      if (!batch || batch.rows === 0) throw new DojoError('BAD_DATA', `${data.label('train')}: no rows for replica ${collective.rank} to train on`);
      const r = await trainStep(model, batch, collective);
      time.compute += (performance.now() - c0) / 1000;
      rowsTrained += r.rows;
      trainMse = r.sse / r.rows;
      steps = step;
      const rowsPerSec = rowsTrained / time.compute;
      if (rank0) {
        const metrics = { train_mse: trainMse, train_rmse: Math.sqrt(trainMse), rows_per_sec: rowsPerSec, train_steps_per_sec: step / time.compute };
        unlogged = metricsPolicy.logs(step, hp.max_batches) ? undefined : { step, metrics };
        if (!unlogged) await opts.onMetrics?.(step, metrics);
        opts.onProgress?.({ phase: 'train', step, steps: hp.max_batches, rowsPerSec, trainRmse: Math.sqrt(trainMse), seconds: (performance.now() - t0) / 1000 });
      }
      if (evalEvery > 0 && step % evalEvery === 0 && step < hp.max_batches) {
        const v = await val.run(opts.signal);
        if (rank0) await opts.onMetrics?.(step, { val_rmse: v.rmse });
        if (opts.onEval && (await timed('hooks', () => opts.onEval!(step, v.rmse))) === 'prune') {
          pruned = true;
          break;
        }
      }
    }
    if (unlogged) await opts.onMetrics?.(unlogged.step, unlogged.metrics);
  } finally {
    await reader.close();
  }
  const trainWall = (performance.now() - t0) / 1000;
  const trainRowsPerSec = rowsTrained / Math.max(time.compute, 1e-9);

  let valResult: EvalResult;
  let test: EvalResult | undefined;
  const testEval = data.hasTest ? new Evaluator(model, data, 'test', opts.onBadRow, collective) : undefined;
  try {
    if (rank0) opts.onProgress?.({ phase: 'val', step: steps, steps: hp.max_batches, rowsPerSec: trainRowsPerSec, trainRmse: Math.sqrt(trainMse), seconds: trainWall });
    valResult = await val.run(opts.signal);
    if (testEval) {
      if (rank0) opts.onProgress?.({ phase: 'test', step: steps, steps: hp.max_batches, rowsPerSec: trainRowsPerSec, trainRmse: Math.sqrt(trainMse), seconds: (performance.now() - t0) / 1000 });
      test = await testEval.run(opts.signal);
    }
  } finally {
    await val.close();
    await testEval?.close();
  }
  for (const e of testEval ? [val, testEval] : [val]) {
    time.data += e.dataSeconds;
    time.eval += e.seconds - e.dataSeconds;
  }
  const skipped = new Float64Array([reader.stats.rowsSkipped, reader.stats.bytesRead, reader.stats.parseSeconds, preparer?.rowsDropped ?? 0, preparer?.valuesImputed ?? 0]);
  if (collective.worldSize > 1) await collective.allreduce(skipped, 'sum');
  const result: TrainResult = {
    train_mse: trainMse,
    train_rmse: Math.sqrt(trainMse),
    val_rmse: valResult.rmse,
    ...(test ? { test_rmse: test.rmse } : {}),
    rows_per_sec: trainRowsPerSec,
    end_to_end_rows_per_sec: rowsTrained / trainWall,
    // Bytes and parse seconds summed over replicas: the per-core parse rate (0 when read from memory).
    parse_mb_per_sec: skipped[2] > 0 ? skipped[1] / 1e6 / skipped[2] : 0,
    seconds: (performance.now() - t0) / 1000,
    rows_skipped: skipped[0] + valResult.stats.rowsSkipped + (test?.stats.rowsSkipped ?? 0),
    steps,
    pruned,
    ...(prep?.missing === 'drop' ? { rows_dropped: skipped[3] + valResult.rowsDropped + (test?.rowsDropped ?? 0) } : {}),
    ...(prep?.missing === 'mean' ? { values_imputed: skipped[4] } : {}),
    time,
  };
  if (rank0) {
    await opts.onMetrics?.(steps, {
      val_rmse: result.val_rmse,
      ...(result.test_rmse !== undefined ? { test_rmse: result.test_rmse } : {}),
      rows_skipped: result.rows_skipped,
      ...(result.rows_dropped !== undefined ? { rows_dropped: result.rows_dropped } : {}),
      ...(result.values_imputed !== undefined ? { values_imputed: result.values_imputed } : {}),
    });
    if (opts.onTrained) await timed('hooks', () => opts.onTrained!(model, result));
  }
  return result;
}
