import type { TrackingClient } from './client';
import { MetricLogger, type MetricLoggerOptions, type MetricLoggerResult } from './metric-logger';
import { replaySpilledMetrics } from './metric-replay';

/** Totals of the metric deliveries of a process (a worker). */
export interface DeliveryTotals {
  delivered: number;
  /** Not delivered (kept in spill files for a later replay, or refused by the server). */
  undelivered: number;
}

/**
 * The metric loggers of a long-lived process: one per run, each handed back when its run is done
 * and left to finish delivering in the background, so a trial is told its result without waiting
 * for a slow or absent tracking server. replay() delivers what earlier processes left in spill
 * files; drain() bounds the wait at exit and counts what is still undelivered (kept on disk).
 */
export class MetricDeliveries {
  private readonly open = new Set<MetricLogger>();
  private readonly background: Promise<unknown>[] = [];
  private readonly totals: DeliveryTotals = { delivered: 0, undelivered: 0 };

  constructor(
    private readonly client: TrackingClient,
    private readonly opts: { readonly spillDir?: string; readonly log: (line: string) => void; readonly loggerOptions?: MetricLoggerOptions },
  ) {}

  /** A logger for a run; its warnings go to the log prefixed with `label`. */
  logger(runId: string, label: string): MetricLogger {
    const logger = new MetricLogger(this.client, runId, { ...this.opts.loggerOptions, spillDir: this.opts.spillDir, onWarning: (m) => this.opts.log(`${label} ${m}`) });
    this.open.add(logger);
    return logger;
  }

  /** Hands a logger back: it keeps delivering in the background; its outcome is logged once known. */
  release(logger: MetricLogger, label: string): void {
    // No deadline of its own: drain() sets one at exit.
    this.background.push(logger.close(24 * 3600_000).then((r) => this.settle(logger, r, label)));
  }

  /** Delivers in the background what earlier processes left in spill files for this tracking server. */
  replay(): void {
    this.background.push(
      replaySpilledMetrics(this.client, { dir: this.opts.spillDir, onWarning: (m) => this.opts.log(`replay: ${m}`) }).then(
        (r) => {
          if (r.files === 0) return;
          this.totals.delivered += r.delivered;
          this.totals.undelivered += r.undelivered;
          this.opts.log(`replayed ${r.files} metric spill file(s) of earlier workers: ${r.delivered} points delivered, ${r.undelivered} still undelivered`);
        },
        (e: unknown) => this.opts.log(`metric spill files not replayed: ${(e as Error).message}`),
      ),
    );
  }

  /** Waits up to `timeoutMs` for every logger to finish; what is left stays in spill files. Returns the totals. */
  async drain(timeoutMs: number): Promise<DeliveryTotals> {
    for (const l of this.open) void l.close(timeoutMs);
    await Promise.all(this.background);
    return { ...this.totals };
  }

  private settle(logger: MetricLogger, r: MetricLoggerResult, label: string): void {
    this.open.delete(logger);
    this.totals.delivered += r.delivered;
    this.totals.undelivered += r.undelivered;
    if (r.undelivered > 0) {
      this.opts.log(
        `${label} ${r.undelivered} metric points of run ${logger.runId} not delivered` +
          (r.spillFile ? ` (${r.pending} kept in ${r.spillFile}; a worker started later replays them)` : '') +
          (r.rejected ? ` (${r.rejected} refused by the server)` : ''),
      );
    }
  }
}
