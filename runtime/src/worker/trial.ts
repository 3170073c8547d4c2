// One trial on one replica: train with the trial's hyperparameters on the worker's data; rank 0
// also tracks it (params, metrics, model), reports evaluations to the pruner (the decision is
// broadcast so every replica stops together) and tells the result. A failing trial is told `fail`
// and its run marked FAILED with the reason.
import { DojoError } from '../../../lib/errors';
import type { HpoClient } from '../../../lib/hpo/client';
import type { TrackingClient } from '../../../lib/tracking/client';
import type { MetricDeliveries } from '../../../lib/tracking/metric-deliveries';
import { MetricsPolicy } from '../train/metrics-policy';
import type { Collective } from '../collective/collective';
import { modelLoggerFor } from '../model-file/mlflow';
import { featureSetId } from '../prep/feature-set';
import { parseHParams, train, type TrainResult } from '../train';
import { TrackedRun } from '../train/tracked-run';
import type { WorkerData } from './data';
import type { WorkerSettings } from './env';
import { trialHParams } from './hparams';
import type { GroupTrial } from './next-trial';
import { writeStatus } from './status';

/** How a trial ended on this replica. */
export type TrialOutcome = 'complete' | 'pruned' | 'failed';

/** What a trial needs from its worker. */
export interface TrialContext {
  readonly s: WorkerSettings;
  /** tellAhead (optional): announces the tell before the model is saved, so the next proposal computes meanwhile. */
  readonly hpo: Pick<HpoClient, 'tell' | 'report' | 'heartbeat'> & Partial<Pick<HpoClient, 'tellAhead'>>;
  readonly tracking?: TrackingClient;
  /** Delivers the trials' metrics in the background (the trial is told without waiting for them). */
  readonly deliveries?: MetricDeliveries;
  readonly data: WorkerData;
  readonly collective: Collective;
  readonly trial: GroupTrial;
  readonly log: (line: string) => void;
  readonly patient: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly signal?: AbortSignal;
  /** Seconds rank 0 already waited on the HPO service for this trial (its ask). */
  readonly askSeconds: number;
  /** The trial handed out with this one's tell (tell-and-ask), which the status file names once this one ends. */
  readonly held?: () => { readonly number: number; readonly runId?: string } | undefined;
}

/** Runs one trial on this replica and returns how it ended. */
export async function runTrial(t: TrialContext): Promise<TrialOutcome> {
  const { s, trial, collective } = t;
  const t0 = performance.now();
  const rank0 = collective.rank === 0;
  writeStatus(s.statusFile, trial.number, trial.runId);
  const label = `[trial ${trial.number}] metrics:`;
  const logger = rank0 && t.deliveries && trial.runId ? t.deliveries.logger(trial.runId, label) : undefined;
  const run = rank0 && t.tracking && trial.runId ? new TrackedRun(t.tracking, trial.runId, { retry: t.patient, onWarning: (m) => t.log(`tracking: ${m}`), ...(logger ? { logger } : {}) }) : undefined;
  let calls = t.askSeconds;
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    const c0 = performance.now();
    try {
      return await fn();
    } finally {
      calls += (performance.now() - c0) / 1000;
    }
  };
  let lastEval: number | undefined;
  // Long trials between evaluations still show they are alive (the service fails silent trials).
  const beat = rank0 ? setInterval(() => void t.hpo.heartbeat(s.studyId, trial.number).catch(() => undefined), 30_000) : undefined;
  beat?.unref();
  try {
    t.log(`rank ${collective.rank}/${collective.worldSize} params ${JSON.stringify(trial.params)}`);
    const hparams = parseHParams(trialHParams(trial.params), `trial ${trial.number}`);
    // The run's bookkeeping goes out while the trial trains; it is awaited before the tell.
    const bookkeeping = run ? trackTrialStart(t, run, hparams) : undefined;
    bookkeeping?.catch(() => undefined);
    const logModel = modelLoggerFor(t.tracking, trial.runId);
    const decision = new Float64Array(1);
    const result = await train({
      data: t.data.forTrial(),
      hparams,
      onBadRow: s.onBadRow,
      collective,
      // Pruning needs intermediate values: by default five evaluations per trial.
      evalEvery: s.evalEvery ?? Math.max(1, Math.round(hparams.max_batches / 5)),
      signal: t.signal,
      metricsPolicy: new MetricsPolicy(s.logEveryNSteps),
      // Every trial's model is kept as model/ artifacts of its run (the study end promotes the best);
      // the run's last metrics are queued (MetricDeliveries delivers them without holding up the tell).
      onTrained: rank0
        ? (model, r) => {
            const v = (r as unknown as Record<string, number | boolean | undefined>)[s.metric];
            const final = r.pruned ? (lastEval ?? v) : v;
            // The value is known: the service prepares the next trial while the model is saved (the tell follows).
            if (typeof final === 'number' && Number.isFinite(final)) void t.hpo.tellAhead?.(s.studyId, trial.number, r.pruned ? 'pruned' : 'complete', final).catch(() => undefined);
            return Promise.all([logModel?.(model, r), run?.finish(r, false)]).then(() => undefined);
          }
        : undefined,
      ...(run ? { onMetrics: run.onMetrics } : {}),
      onEval: async (step: number, valRmse: number) => {
        lastEval = valRmse;
        decision[0] = 0;
        if (rank0) {
          const r = await t.patient(() => t.hpo.report(s.studyId, trial.number, step, valRmse));
          decision[0] = r.prune ? 1 : 0;
          t.log(`step ${step} val_rmse ${valRmse.toFixed(4)}${r.prune ? ' → pruned' : ''}`);
        }
        if (collective.worldSize > 1) await collective.broadcast(decision, 0);
        return decision[0] === 1 ? 'prune' : 'continue';
      },
    });
    const value = (result as unknown as Record<string, number | boolean | undefined>)[s.metric];
    const final = result.pruned ? (lastEval ?? value) : value;
    t.log(
      `${result.pruned ? 'pruned' : 'complete'}: train_rmse ${fmt(result.train_rmse)} val_rmse ${fmt(result.val_rmse)}` +
        `${result.test_rmse !== undefined ? ` test_rmse ${fmt(result.test_rmse)}` : ''} rows/s ${Math.round(result.rows_per_sec)}`,
    );
    if (typeof final !== 'number' || !Number.isFinite(final)) {
      throw new DojoError('BAD_DATA', `the trial produced no finite ${s.metric} (got ${final}); check the data and the learning rate`);
    }
    if (bookkeeping) await call(() => bookkeeping);
    if (rank0) await call(() => t.patient(() => t.hpo.tell(s.studyId, trial.number, result.pruned ? 'pruned' : 'complete', final)));
    t.log(formatTimes(result, calls, (performance.now() - t0) / 1000 + t.askSeconds));
    return result.pruned ? 'pruned' : 'complete';
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    t.log(`failed: ${reason}`);
    if (rank0) {
      await run?.fail(reason);
      await t.patient(() => t.hpo.tell(s.studyId, trial.number, 'fail')).catch((err: unknown) => t.log(`could not tell fail: ${(err as Error).message}`));
    }
    return 'failed';
  } finally {
    if (logger) t.deliveries?.release(logger, label);
    if (beat) clearInterval(beat);
    // Not null while the service counts a next trial as this worker's (a kill now must fail that one).
    const next = t.held?.();
    writeStatus(s.statusFile, next ? next.number : null, next?.runId);
  }
}

/** What the service does not log itself: derived params and stage settings, the feature set, the datasets. */
async function trackTrialStart(t: TrialContext, run: TrackedRun, hparams: ReturnType<typeof parseHParams>): Promise<void> {
  const { s } = t;
  // Stage params are always recorded (off = their defaults), so runs of a study compare by feature set.
  const stages = { missing: hparams.missing ?? `none (on-bad-row ${s.onBadRow})`, bins: hparams.bins ?? 0, scale: hparams.scale ?? 'none' };
  const derived = Object.fromEntries(Object.entries({ ...hparams, ...stages }).filter(([k]) => !(k in t.trial.params)));
  const fsid = featureSetId(hparams, { train: s.trainGlob, val: s.valGlob, test: s.testGlob }, s.onBadRow);
  await Promise.all([
    // A param logged before with another value (a retried trial) is not worth failing the trial.
    run.logParams(derived, true),
    run.setTags({ 'dojo.feature_set_id': fsid }),
    run.logDatasets(t.data.datasetInputs(), (m) => t.log(m)),
  ]);
}

/** The trial's time line: where its seconds went (the bench of issue 20 reads it). */
function formatTimes(r: TrainResult, calls: number, total: number): string {
  const { compute, data, eval: evaluation, hooks } = r.time;
  const hpoAndTracking = calls + hooks;
  const other = Math.max(0, total - compute - data - evaluation - hpoAndTracking);
  const f = (v: number): string => v.toFixed(3);
  return `time: compute ${f(compute)} s, data ${f(data)} s, eval ${f(evaluation)} s, hpo+tracking ${f(hpoAndTracking)} s, other ${f(other)} s, trial ${f(total)} s`;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}
