// The tracking side of one training run, written once for `dojo train` (its own run) and the worker
// (a trial's run, which the HPO service created and ends): params, per-step metrics, end metrics,
// the datasets, and FAILED with the reason on error.
import { MetricLogger, type MetricLoggerResult } from '../../../lib/tracking/metric-logger';
import type { TrackingClient } from '../../../lib/tracking/client';
import type { DatasetInput } from '../../../lib/tracking/types';
import { train, type TrainOptions, type TrainResult } from './train';

/** Options of TrackedRun. */
export interface TrackedRunOptions {
  /** Tracking warnings (an outage, a refused batch): printed, never fatal. */
  readonly onWarning?: (message: string) => void;
  /** Wraps each call whose failure would fail the run (e.g. retries while the manager restarts). @default - call once */
  readonly retry?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * The run's logger when its owner delivers in the background (a worker's MetricDeliveries): this
   * run then never closes it. @default - a logger of its own, closed when the run ends
   */
  readonly logger?: MetricLogger;
  /** What closing its own logger left undelivered (kept in a spill file), to say so. */
  readonly onClosed?: (r: MetricLoggerResult) => void;
}

/** Run-level figures logged at the last step when a run ends well. */
const END_METRICS = ['end_to_end_rows_per_sec', 'parse_mb_per_sec', 'seconds'] as const;

/** The tag holding why a run failed. */
export const FAILURE_REASON_TAG = 'dojo.failure_reason';

/** MLflow's limit on a tag value. */
const MAX_TAG = 5000;

/**
 * One run in a tracking server, as a training run fills it. Metrics go through one MetricLogger
 * (buffered; it slows the loop down only when the server falls behind: backpressure); `onMetrics`
 * is the only place train()'s metrics become logger calls (which steps: train()'s MetricsPolicy).
 */
export class TrackedRun {
  private readonly logger: MetricLogger;
  private readonly ownLogger: boolean;
  private readonly retry: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly onClosed: (r: MetricLoggerResult) => void;
  private failed = false;

  constructor(
    readonly client: TrackingClient,
    readonly runId: string,
    opts: TrackedRunOptions = {},
  ) {
    this.ownLogger = !opts.logger;
    this.logger = opts.logger ?? new MetricLogger(client, runId, { onWarning: opts.onWarning });
    this.retry = opts.retry ?? ((fn) => fn());
    this.onClosed = opts.onClosed ?? (() => undefined);
  }

  /** train()'s onMetrics: every finite value of a step, logged at that step; resolves when the logger can take more. */
  readonly onMetrics = (step: number, metrics: Readonly<Record<string, number>>): Promise<void> => {
    for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) this.logger.log(k, v, step);
    return this.logger.backpressure() ?? Promise.resolve();
  };

  /**
   * Logs params (lists as JSON, everything else as text) in one batch. `tolerateConflicts`: a param
   * already logged with another value (a retried trial) is not worth failing the run for.
   */
  async logParams(params: Readonly<Record<string, unknown>>, tolerateConflicts = false): Promise<void> {
    const entries = Object.entries(params).map(([key, v]) => ({ key, value: Array.isArray(v) ? JSON.stringify(v) : String(v) }));
    if (entries.length === 0) return;
    const call = this.retry(() => this.client.logBatch(this.runId, { params: entries }));
    await (tolerateConflicts ? call.catch(() => undefined) : call);
  }

  /** Sets tags in one batch. */
  async setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    const list = Object.entries(tags).map(([key, value]) => ({ key, value }));
    if (list.length > 0) await this.retry(() => this.client.logBatch(this.runId, { tags: list }));
  }

  /**
   * Logs the run's datasets (runs/log-inputs). Two trials logging the same dataset at once race on
   * MLflow's unique dataset row and the loser is answered 400 (sqlite3.IntegrityError, seen on MLflow
   * 2.11.3): a second attempt finds the row, so a refused call is tried up to 3 times. A failure that
   * outlasts them (e.g. MLflow < 2.4 has no such route) is only noted.
   */
  async logDatasets(inputs: Promise<DatasetInput[]> | DatasetInput[], note: (line: string) => void): Promise<void> {
    try {
      const list = await inputs;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.retry(() => this.client.logInputs(this.runId, list));
          break;
        } catch (e) {
          if (attempt === 3) throw e;
          await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 100));
        }
      }
    } catch (e) {
      note(`datasets not logged to the run (${(e as Error).message})`);
    }
  }

  /**
   * Trains with this run receiving the per-step metrics; on an error the run is failed (see fail)
   * and the error rethrown.
   */
  async train(opts: TrainOptions): Promise<TrainResult> {
    try {
      return await train({ ...opts, onMetrics: this.onMetrics });
    } catch (e) {
      await this.fail(e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /**
   * A run that trained: the run-level figures at its last step, then (own logger) every metric
   * delivered or kept in a spill file. `end`: also mark it FINISHED (a trial's run is ended by the
   * HPO service when told).
   */
  async finish(result: TrainResult, end: boolean): Promise<void> {
    for (const k of END_METRICS) this.logger.log(k, result[k], result.steps);
    if (this.ownLogger) this.onClosed(await this.logger.close());
    if (end) await this.retry(() => this.client.updateRun(this.runId, { status: 'FINISHED', endTime: Date.now() }));
  }

  /** A failed run: metrics delivered as far as they go, the reason as a tag, status FAILED; once; never throws. */
  async fail(reason: string): Promise<void> {
    if (this.failed) return;
    this.failed = true;
    if (this.ownLogger) await this.logger.close().then(this.onClosed, () => undefined);
    await this.retry(() => this.client.setTag(this.runId, FAILURE_REASON_TAG, reason.slice(0, MAX_TAG))).catch(() => undefined);
    await this.retry(() => this.client.updateRun(this.runId, { status: 'FAILED', endTime: Date.now() })).catch(() => undefined);
  }
}
