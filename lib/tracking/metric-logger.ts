import { DojoError } from '../errors';
import { TrackingClient } from './client';
import { TrackingError } from './errors';
import { TrackingUnavailableError } from './http-client';
import { BATCH_LIMITS, type Metric } from './types';

/** Options of MetricLogger. */
export interface MetricLoggerOptions {
  /**
   * Most metrics kept while the server is unreachable; beyond it the oldest queued ones are dropped
   * (counted in stats().dropped; the batch in flight is kept, as it may already be stored). @default 100000
   */
  readonly maxBuffer?: number;
  /** Flush at least this often. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many metrics wait (also the batch size, at most 1000). @default 1000 */
  readonly flushSize?: number;
  /** How long close() keeps trying to deliver before giving up. @default 60000 */
  readonly closeTimeoutMs?: number;
  /** Called once per outage and for rejected batches, e.g. to print a warning. */
  readonly onWarning?: (message: string) => void;
}

/** Counters of a MetricLogger. */
export interface MetricLoggerStats {
  /** Waiting to be sent (including the batch in flight). */
  pending: number;
  /** Acknowledged by the server (or found there after a lost answer). */
  delivered: number;
  /** Dropped because the buffer was full during an outage. */
  dropped: number;
  /** Refused by the server with a 4xx (e.g. the run was deleted); not retried. */
  rejected: number;
}

const KEY = /^[/\w.\- ]{1,250}$/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const identity = (m: Metric): string => `${m.key}\u0000${m.step}\u0000${m.timestamp}`;

/**
 * A buffered, non-blocking metric logger for training loops. log() only queues; batches go out by
 * size and by time. Through a tracking outage it keeps up to maxBuffer metrics (then drops the
 * oldest queued, counted) and retries with backoff; when the server is back each metric is delivered
 * exactly once: timestamps are made unique per key within this logger, and after any failure in
 * which the request may have reached the server (a reset connection, a timeout, a 5xx) the
 * logger reads the metric history and resends only the points not already there.
 */
export class MetricLogger {
  private readonly client: TrackingClient;
  private readonly maxBuffer: number;
  private readonly flushSize: number;
  private readonly queue: Metric[] = [];
  private readonly lastTs = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private inFlight: Metric[] = [];
  private needsCheck = false;
  private running: Promise<void> | undefined;
  private closed = false;
  private outage = false;
  /** When a flush() must give up; the background loop has none. */
  private deadline = Infinity;
  private readonly counts = { delivered: 0, dropped: 0, rejected: 0 };

  constructor(
    client: TrackingClient,
    readonly runId: string,
    private readonly opts: MetricLoggerOptions = {},
  ) {
    // Retries are ours: the logger must decide whether to check before resending.
    this.client = new TrackingClient(client.baseUrl, { ...client.opts, retries: 0, timeoutMs: client.opts.timeoutMs ?? 10_000 });
    this.maxBuffer = opts.maxBuffer ?? 100_000;
    this.flushSize = Math.min(opts.flushSize ?? BATCH_LIMITS.metrics, BATCH_LIMITS.metrics);
    this.timer = setInterval(() => this.kick(), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Queues one metric point (timestamp = now, made unique per key); never blocks, never throws for an outage. */
  log(key: string, value: number, step: number): void {
    if (this.closed) throw new DojoError('USAGE', `MetricLogger for run ${this.runId}: log('${key}') after close()`);
    if (!KEY.test(key)) throw new DojoError('USAGE', `metric key '${key}' is invalid: use 1-250 letters, digits, _ - . / or spaces`);
    if (typeof value !== 'number') throw new DojoError('USAGE', `metric '${key}' at step ${step}: value must be a number, got ${typeof value}`);
    if (!Number.isSafeInteger(step)) throw new DojoError('USAGE', `metric '${key}': step must be a whole number, got ${step}`);
    const ts = Math.max(Date.now(), (this.lastTs.get(key) ?? 0) + 1);
    this.lastTs.set(key, ts);
    this.queue.push({ key, value, timestamp: ts, step });
    if (this.queue.length + this.inFlight.length > this.maxBuffer) {
      this.queue.shift();
      this.counts.dropped++;
    }
    if (this.queue.length >= this.flushSize) this.kick();
  }

  /** Current counters. */
  stats(): MetricLoggerStats {
    return { pending: this.queue.length + this.inFlight.length, ...this.counts };
  }

  /** Starts a delivery loop unless one is running. */
  private kick(): void {
    if (this.running || (this.queue.length === 0 && this.inFlight.length === 0)) return;
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Sends batches until the queue is empty; on failure backs off and tries again. */
  private async drain(): Promise<void> {
    let backoff = 200;
    while (this.inFlight.length > 0 || this.queue.length > 0) {
      if (this.inFlight.length === 0) this.inFlight = this.queue.splice(0, this.flushSize);
      try {
        if (this.needsCheck) {
          this.inFlight = await this.notYetStored(this.inFlight);
          this.needsCheck = false;
        }
        if (this.inFlight.length > 0) await this.client.logBatch(this.runId, { metrics: this.inFlight });
        this.counts.delivered += this.inFlight.length;
        this.inFlight = [];
        backoff = 200;
        if (this.outage) this.opts.onWarning?.(`tracking server back: delivering ${this.stats().pending} buffered metrics of run ${this.runId}`);
        this.outage = false;
      } catch (e) {
        if (e instanceof TrackingError) {
          this.counts.rejected += this.inFlight.length;
          this.opts.onWarning?.(`tracking server refused ${this.inFlight.length} metrics of run ${this.runId}: ${e.message}`);
          this.inFlight = [];
          continue;
        }
        // Anything else (an unreadable answer, say) is treated like an outage that may have
        // delivered: the loop never dies with metrics in it, and the check prevents duplicates.
        const maybeDelivered = e instanceof TrackingUnavailableError ? e.maybeDelivered : true;
        if (maybeDelivered) this.needsCheck = true;
        if (!this.outage) this.opts.onWarning?.(`tracking server unreachable; buffering metrics of run ${this.runId} (${e instanceof Error ? e.message : String(e)})`);
        this.outage = true;
        if (Date.now() + backoff > this.deadline) return;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** After a lost answer: the points of the batch that the server does not have yet. */
  private async notYetStored(batch: Metric[]): Promise<Metric[]> {
    const stored = new Set<string>();
    for (const key of new Set(batch.map((m) => m.key))) {
      for (const m of await this.client.getMetricHistory(this.runId, key)) stored.add(identity(m));
    }
    const rest = batch.filter((m) => !stored.has(identity(m)));
    this.counts.delivered += batch.length - rest.length;
    return rest;
  }

  /** Flushes everything now; resolves when all queued metrics are delivered. */
  async flush(timeoutMs = this.opts.closeTimeoutMs ?? 60_000): Promise<void> {
    this.deadline = Date.now() + timeoutMs;
    try {
      while (this.queue.length > 0 || this.inFlight.length > 0) {
        this.kick();
        await this.running;
        if (this.stats().pending > 0 && Date.now() + 200 > this.deadline) {
          throw new DojoError('UNAVAILABLE', `tracking server unreachable for ${timeoutMs} ms: ${this.stats().pending} metrics of run ${this.runId} were not delivered`);
        }
      }
    } finally {
      this.deadline = Infinity;
    }
  }

  /** Stops the timer and flushes; rejects if metrics could not be delivered within closeTimeoutMs. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
  }
}
