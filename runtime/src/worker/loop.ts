// The worker loop. Each worker group (R replicas) repeatedly: rendezvous → rank 0 asks the HPO
// service for a trial and broadcasts its number (a negative number means stop) → every rank
// trains its shard with the trial's hyperparameters → rank 0 logs metrics, reports evaluations
// (the prune decision is broadcast so all ranks stop together) and tells the result. A failing
// trial is told `fail` and its run marked FAILED with the reason; the worker goes on.
import { DojoError } from '../../../lib/errors';
import { HpoClient } from '../../../lib/hpo/client';
import { TrackingClient } from '../../../lib/tracking/client';
import { MetricDeliveries } from '../../../lib/tracking/metric-deliveries';
import { MetricsPolicy } from '../train/metrics-policy';
import { modelLoggerFor } from '../model-file/mlflow';
import type { Collective } from '../collective/collective';
import { soloCollective } from '../collective/collective';
import { rendezvousViaHpo } from '../collective';
import { train, parseHParams } from '../train';
import type { WorkerSettings } from './env';
import { trialHParams } from './hparams';
import { featureSetId } from '../prep/feature-set';
import { datasetInputs } from '../data/dataset-inputs';
import type { DatasetInput } from '../../../lib/tracking/types';
import { withPatience } from './patience';
import { writeStatus } from './status';

/** What a worker did, for its exit line. */
export interface WorkerSummary {
  trials: number;
  complete: number;
  pruned: number;
  failed: number;
  /** Metric points not delivered to tracking by the time the worker ended (kept in spill files); absent when none. */
  metricsUndelivered?: number;
}

const STOP = -1;

/**
 * Runs the loop until the study has no trial left (or signal aborts); returns what it did. Metrics
 * go out in the background; at the end the worker waits up to metricsDrainMs for them and counts
 * what is left (kept in spill files, which the next worker replays).
 */
export async function runWorker(s: WorkerSettings, log: (line: string) => void, signal?: AbortSignal): Promise<WorkerSummary> {
  const tracking = s.trackingUri ? new TrackingClient(s.trackingUri) : undefined;
  const deliveries = tracking ? new MetricDeliveries(tracking, { spillDir: s.metricsSpillDir, log }) : undefined;
  deliveries?.replay();
  let summary: WorkerSummary | undefined;
  try {
    summary = await runTrials(s, log, tracking, deliveries, signal);
    return summary;
  } finally {
    const totals = await deliveries?.drain(s.metricsDrainMs ?? 120_000);
    if (summary && totals?.undelivered) summary.metricsUndelivered = totals.undelivered;
  }
}

async function runTrials(s: WorkerSettings, log: (line: string) => void, tracking: TrackingClient | undefined, deliveries: MetricDeliveries | undefined, signal?: AbortSignal): Promise<WorkerSummary> {
  const hpo = new HpoClient(s.hpoUri);
  const summary: WorkerSummary = { trials: 0, complete: 0, pruned: 0, failed: 0 };
  const patient = <T>(fn: () => Promise<T>) => withPatience(fn, s.patienceMs, () => log('manager not answering; retrying'));
  let failedInARow = 0;
  for (let iteration = 0; !signal?.aborted; iteration++) {
    const collective: Collective =
      s.replicas > 1
        ? await patient(() =>
            rendezvousViaHpo(s.hpoUri, `${s.jobId}/${s.group}/${iteration}`, s.replicas, {
              rendezvousTimeoutMs: s.rendezvousTimeoutMs,
              timeoutMs: s.lostTimeoutMs,
              trialLabel: `${s.jobId}/${s.group}/${iteration}`,
            }),
          )
        : soloCollective;
    try {
      const rank0 = collective.rank === 0;
      const numberBuf = new Float64Array(1);
      let runId: string | undefined;
      let params: Record<string, unknown> = {};
      if (rank0) {
        const trial = await patient(() => hpo.ask(s.studyId));
        numberBuf[0] = trial ? trial.number : STOP;
        if (trial) {
          runId = trial.runId;
          params = { ...trial.params };
        }
      }
      await collective.broadcast(numberBuf, 0);
      const number = numberBuf[0]!;
      if (number < 0) {
        log(`no trial left in study ${s.studyId}; worker done`);
        return summary;
      }
      if (!rank0) {
        const study = await patient(() => hpo.getStudy(s.studyId));
        const t = (study.trials as readonly { number: number; params: Record<string, unknown> }[]).find((x) => x.number === number);
        if (!t) throw new DojoError('NOT_FOUND', `trial ${number} is not in study ${s.studyId}`);
        params = { ...t.params };
      }
      summary.trials++;
      const outcome = await runTrial(s, { hpo, tracking, deliveries, collective, number, params, runId, log: (l) => log(`[trial ${number}] ${l}`), patient, signal });
      summary[outcome]++;
      failedInARow = outcome === 'failed' ? failedInARow + 1 : 0;
      if (failedInARow >= s.maxConsecutiveFailures) {
        // Every rank counts the same outcomes, so the whole group stops together.
        log(`${failedInARow} trials failed in a row; this worker stops (see the failures above; DOJO_MAX_CONSECUTIVE_FAILURES raises the limit)`);
        return summary;
      }
    } finally {
      await collective.close();
    }
  }
  return summary;
}

interface TrialContext {
  readonly hpo: HpoClient;
  readonly tracking?: TrackingClient;
  readonly deliveries?: MetricDeliveries;
  readonly collective: Collective;
  readonly number: number;
  readonly params: Record<string, unknown>;
  readonly runId?: string;
  readonly log: (line: string) => void;
  readonly patient: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly signal?: AbortSignal;
}

async function runTrial(s: WorkerSettings, t: TrialContext): Promise<'complete' | 'pruned' | 'failed'> {
  const rank0 = t.collective.rank === 0;
  writeStatus(s.statusFile, t.number, t.runId);
  const logger = rank0 && t.deliveries && t.runId ? t.deliveries.logger(t.runId, `[trial ${t.number}] metrics:`) : undefined;
  let lastEval: number | undefined;
  // Long trials between evaluations still show they are alive (the service fails silent trials).
  const beat = rank0 ? setInterval(() => void t.hpo.heartbeat(s.studyId, t.number).catch(() => undefined), 30_000) : undefined;
  beat?.unref();
  try {
    t.log(`rank ${t.collective.rank}/${t.collective.worldSize} params ${JSON.stringify(t.params)}`);
    const hparams = parseHParams(trialHParams(t.params), `trial ${t.number}`);
    if (rank0 && t.tracking && t.runId) {
      // Stage params are always recorded (off = their defaults), so runs of a study compare by feature set.
      const stages = { missing: hparams.missing ?? `none (on-bad-row ${s.onBadRow})`, bins: hparams.bins ?? 0, scale: hparams.scale ?? 'none' };
      await logDerivedParams(t.tracking, t.runId, { ...hparams, ...stages }, t.params);
      const fsid = featureSetId(hparams, { train: s.trainGlob, val: s.valGlob, test: s.testGlob }, s.onBadRow);
      const tracking = t.tracking;
      const runId = t.runId;
      await t.patient(() => tracking.setTag(runId, 'dojo.feature_set_id', fsid));
      await logDatasets(s, tracking, runId, t.log);
    }
    const decision = new Float64Array(1);
    const result = await train({
      hparams,
      train: s.trainGlob,
      val: s.valGlob,
      test: s.testGlob,
      dtype: s.dtype,
      onBadRow: s.onBadRow,
      collective: t.collective,
      shardSize: s.shardSize,
      // Pruning needs intermediate values: by default five evaluations per trial.
      evalEvery: s.evalEvery ?? Math.max(1, Math.round(hparams.max_batches / 5)),
      signal: t.signal,
      // Every trial's model is kept as model/ artifacts of its run (the study end promotes the best).
      onTrained: rank0 ? modelLoggerFor(t.tracking, t.runId) : undefined,
      metricsPolicy: new MetricsPolicy(s.logEveryNSteps),
      onMetrics: logger
        ? (step: number, metrics: Readonly<Record<string, number>>) => {
            for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) logger.log(k, v, step);
            return logger.backpressure();
          }
        : undefined,
      onEval: async (step: number, valRmse: number) => {
        lastEval = valRmse;
        decision[0] = 0;
        if (rank0) {
          const r = await t.patient(() => t.hpo.report(s.studyId, t.number, step, valRmse));
          decision[0] = r.prune ? 1 : 0;
          t.log(`step ${step} val_rmse ${valRmse.toFixed(4)}${r.prune ? ' → pruned' : ''}`);
        }
        await t.collective.broadcast(decision, 0);
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
    // train() logged the per-step and final RMSEs already; add the run's throughput figures. The
    // trial is told at once: the logger keeps delivering in the background (MetricDeliveries).
    if (logger) for (const k of ['end_to_end_rows_per_sec', 'parse_mb_per_sec', 'seconds'] as const) logger.log(k, result[k], result.steps);
    if (rank0) await t.patient(() => t.hpo.tell(s.studyId, t.number, result.pruned ? 'pruned' : 'complete', final));
    return result.pruned ? 'pruned' : 'complete';
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    t.log(`failed: ${reason}`);
    if (rank0) await failTrial(s, t, reason);
    return 'failed';
  } finally {
    if (logger) t.deliveries?.release(logger, `[trial ${t.number}] metrics:`);
    if (beat) clearInterval(beat);
    writeStatus(s.statusFile, null);
  }
}

async function failTrial(s: WorkerSettings, t: TrialContext, reason: string): Promise<void> {
  if (t.tracking && t.runId) {
    const tracking = t.tracking;
    const runId = t.runId;
    await t.patient(() => tracking.setTag(runId, 'dojo.failure_reason', reason.slice(0, 5000))).catch(() => undefined);
  }
  await t.patient(() => t.hpo.tell(s.studyId, t.number, 'fail')).catch((e: unknown) => t.log(`could not tell fail: ${(e as Error).message}`));
  if (t.tracking && t.runId) {
    const tracking = t.tracking;
    const runId = t.runId;
    // The service ends the run at tell; make sure it says FAILED even if it did not.
    await t.patient(() => tracking.updateRun(runId, { status: 'FAILED', endTime: Date.now() })).catch(() => undefined);
  }
}

/** The worker's datasets as MLflow inputs, resolved once (every trial reads the same globs). */
let datasets: { key: string; inputs: Promise<DatasetInput[]> } | undefined;

/** Logs the trial's datasets (runs/log-inputs); a server without the route (MLflow < 2.4) is only noted. */
async function logDatasets(s: WorkerSettings, tracking: TrackingClient, runId: string, log: (line: string) => void): Promise<void> {
  const globs = { train: s.trainGlob, val: s.valGlob, ...(s.testGlob ? { test: s.testGlob } : {}) };
  const key = JSON.stringify(globs);
  if (datasets?.key !== key) datasets = { key, inputs: datasetInputs(globs) };
  try {
    await tracking.logInputs(runId, await datasets.inputs);
  } catch (e) {
    log(`datasets not logged to the run: ${(e as Error).message}`);
  }
}

async function logDerivedParams(tracking: TrackingClient, runId: string, hparams: object, suggested: Record<string, unknown>): Promise<void> {
  // The service logs the suggestion itself; add what the trial derived from it and the defaults.
  const params = Object.entries(hparams)
    .filter(([k]) => !(k in suggested))
    .map(([key, v]) => ({ key, value: Array.isArray(v) ? JSON.stringify(v) : String(v) }));
  try {
    await tracking.logBatch(runId, { params });
  } catch {
    // A param logged before with another value (a retried trial) is not worth failing the trial.
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}
