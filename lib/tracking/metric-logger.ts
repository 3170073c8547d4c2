import { DojoError } from '../errors';
import { TrackingClient } from './client';
import { TrackingError } from './errors';
import { TrackingUnavailableError } from './http-client';
import { mlflowKeyProblem } from './keys';
import { DEFAULT_SPILL_DIR, SpillFile } from './metric-spill';
import { BATCH_LIMITS, type Metric } from './types';

/** Options of MetricLogger. */
export interface MetricLoggerOptions {
  /**
   * Most points kept in memory; beyond it, while the server is unreachable, points wait in a spill
   * file under `spillDir` and are replayed in order when it is back. Nothing is dropped. @default 100000
   */
  readonly maxBuffer?: number;
  /**
   * Points waiting in memory at which backpressure() makes the caller wait while the server is up but
   * slower than the caller (it resolves at half of it). @default 20000
   */
  readonly highWater?: number;
  /** Flush at least this often. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many points wait (also the batch size, at most 1000). @default 1000 */
  readonly flushSize?: number;
  /** Directory of spill files. @default DEFAULT_SPILL_DIR (dojo-metrics in the OS temp directory) */
  readonly spillDir?: string;
  /** How long close() keeps delivering before it keeps the rest in a spill file. @default 60000 */
  readonly closeTimeoutMs?: number;
  /**
   * Told once when the logger first falls behind (the server is unreachable, or slower than the
   * caller), once when it catches up after that, and for each batch the server refuses.
   */
  readonly onWarning?: (message: string) => void;
}

/** Counters of a MetricLogger. */
export interface MetricLoggerStats {
  /** Waiting to be sent, in memory and on disk (including the batch in flight). */
  pending: number;
  /** Of `pending`, waiting in the spill file. */
  spilled: number;
  /** Acknowledged by the server (or found there after a lost answer). */
  delivered: number;
  /** Refused by the server with a 4xx (e.g. the run was deleted); not retried. */
  rejected: number;
}

/** What close() achieved: the counters, and where undelivered points were kept. */
export interface MetricLoggerResult extends MetricLoggerStats {
  /** Points not delivered by the deadline (or refused): `pending + rejected`. */
  undelivered: number;
  /** The spill file holding the `pending` points for a later replay (see replaySpilledMetrics), when any. */
  spillFile?: string;
}

const identity = (m: Metric): string => `${m.key}\u0000${m.step}\u0000${m.timestamp}`;

/**
 * A buffered metric logger for training loops that never drops a point silently. log() only
 * queues; batches go out by size and by time, one at a time. When the server is slower than the
 * training loop, backpressure() gives the loop a promise to wait on; when it is unreachable, points
 * beyond `maxBuffer` wait in a spill file and are replayed in order when it is back. Each point is
 * delivered once: timestamps are unique per key within the logger, and after a failure in which
 * the request may have reached the server (a reset connection, a timeout, a 5xx) the logger reads
 * the metric history and resends only what is missing. close() never throws for an outage: past
 * its deadline it keeps what is left in a spill file and says so in its result.
 */
export class MetricLogger {
  private readonly client: TrackingClient;
  private readonly maxBuffer: number;
  private readonly highWater: number;
  private readonly flushSize: number;
  private readonly spillDir: string;
  /** Memory queue: points from `head` on are waiting. */
  private queue: Metric[] = [];
  private head = 0;
  private spill: SpillFile | undefined;
  private readonly lastTs = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private inFlight: Metric[] = [];
  private needsCheck = false;
  private running: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<MetricLoggerResult> | undefined;
  private outage = false;
  private behind = false;
  private deadline = Infinity;
  private wake: (() => void) | undefined;
  private waiters: (() => void)[] = [];
  private readonly counts = { delivered: 0, rejected: 0 };

  constructor(
    client: TrackingClient,
    readonly runId: string,
    private readonly opts: MetricLoggerOptions = {},
  ) {
    // Retries are ours: the logger must decide whether to check before resending.
    this.client = new TrackingClient(client.baseUrl, { ...client.opts, retries: 0, timeoutMs: client.opts.timeoutMs ?? 30_000 });
    this.maxBuffer = Math.max(1, opts.maxBuffer ?? 100_000);
    this.highWater = Math.max(1, opts.highWater ?? 20_000);
    this.flushSize = Math.max(1, Math.min(opts.flushSize ?? BATCH_LIMITS.metrics, BATCH_LIMITS.metrics));
    this.spillDir = opts.spillDir ?? DEFAULT_SPILL_DIR;
    this.timer = setInterval(() => this.kick(), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Queues one metric point (timestamp = now, made unique per key); never blocks, never throws for an outage. */
  log(key: string, value: number, step: number): void {
    if (this.closed) throw new DojoError('USAGE', `MetricLogger for run ${this.runId}: log('${key}') after close()`);
    if (!this.lastTs.has(key)) {
      const problem = mlflowKeyProblem('metric', key);
      if (problem) throw new DojoError('USAGE', problem);
    }
    if (typeof value !== 'number') throw new DojoError('USAGE', `metric '${key}' at step ${step}: value must be a number, got ${typeof value}`);
    if (!Number.isSafeInteger(step)) throw new DojoError('USAGE', `metric '${key}': step must be a whole number, got ${step}`);
    const ts = Math.max(Date.now(), (this.lastTs.get(key) ?? 0) + 1);
    this.lastTs.set(key, ts);
    this.enqueue([{ key, value, timestamp: ts, step }]);
  }

  /** Queues points that carry their own timestamps (a replay); `check` first reads what the server has. */
  enqueue(points: readonly Metric[], check = false): void {
    if (check) this.needsCheck = true;
    if (this.spill && this.spill.count > 0) {
      // Points already wait on disk: later ones go after them, so the order is kept.
      this.spill.append(points);
    } else {
      for (const p of points) this.queue.push(p);
      const inMemory = this.queue.length - this.head;
      if (inMemory > this.maxBuffer) this.spillFromMemory(inMemory - this.maxBuffer);
    }
    if (this.queue.length - this.head >= this.flushSize) this.kick();
  }

  /**
   * A promise to wait on when the server is up but the caller logs faster than it takes the points
   * (memory holds highWater of them); undefined otherwise, so a hot loop allocates nothing. While
   * the server is unreachable the caller never waits: points go to the spill file instead.
   */
  backpressure(): Promise<void> | undefined {
    if (this.outage || this.closed || this.queue.length - this.head < this.highWater) return undefined;
    this.fellBehind(`tracking server slower than training: ${this.stats().pending} metric points of run ${this.runId} waiting; training waits for it (backpressure)`);
    this.kick();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Current counters. */
  stats(): MetricLoggerStats {
    const spilled = this.spill?.count ?? 0;
    return { pending: this.queue.length - this.head + this.inFlight.length + spilled, spilled, ...this.counts };
  }

  /**
   * Stops accepting points and delivers the rest within `timeoutMs` (a later call may shorten it);
   * what is still undelivered then is kept in a spill file, named in the result. Never throws for
   * an outage.
   */
  close(timeoutMs = this.opts.closeTimeoutMs ?? 60_000): Promise<MetricLoggerResult> {
    this.closed = true;
    this.deadline = Math.min(this.deadline, Date.now() + timeoutMs);
    this.wake?.();
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<MetricLoggerResult> {
    clearInterval(this.timer);
    while (this.stats().pending > 0 && Date.now() < this.deadline) {
      this.kick();
      await this.running;
    }
    this.release();
    const stats = this.stats();
    let spillFile: string | undefined;
    if (stats.pending > 0) {
      // Past the deadline: what is left goes to disk for a replay, with a check if it may be stored already.
      const memory = [...this.inFlight, ...this.queue.slice(this.head)];
      this.spill ??= new SpillFile(this.spillDir, { trackingUri: this.client.baseUrl, runId: this.runId });
      spillFile = this.spill.persist(memory, this.needsCheck);
      this.inFlight = [];
      this.queue = [];
      this.head = 0;
    } else {
      this.spill?.discard();
      if (this.behind) this.opts.onWarning?.(`tracking: all ${this.counts.delivered} metric points of run ${this.runId} delivered`);
    }
    return { ...stats, undelivered: stats.pending + stats.rejected, ...(spillFile ? { spillFile } : {}) };
  }

  /** Starts a delivery loop unless one is running. */
  private kick(): void {
    if (this.running || this.stats().pending === 0) return;
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** The next batch to send: from memory first, then from the spill file (the older points come first either way). */
  private nextBatch(): Metric[] {
    if (this.queue.length > this.head) {
      const batch = this.queue.slice(this.head, this.head + this.flushSize);
      this.head += batch.length;
      if (this.head > 65_536 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return batch;
    }
    return this.spill ? this.spill.read(this.flushSize) : [];
  }

  /** Sends batches until nothing waits or the close deadline passes; on failure backs off and tries again. */
  private async drain(): Promise<void> {
    let backoff = 200;
    while (this.stats().pending > 0 && Date.now() < this.deadline) {
      if (this.inFlight.length === 0) this.inFlight = this.nextBatch();
      try {
        if (this.needsCheck) {
          this.inFlight = await this.notYetStored(this.inFlight);
          this.needsCheck = false;
        }
        if (this.inFlight.length > 0) await this.client.logBatch(this.runId, { metrics: this.inFlight });
        this.counts.delivered += this.inFlight.length;
        this.inFlight = [];
        backoff = 200;
        if (this.outage) this.opts.onWarning?.(`tracking server back: delivering ${this.stats().pending} waiting metric points of run ${this.runId}`);
        this.outage = false;
        if (this.queue.length - this.head <= this.highWater / 2) this.release();
      } catch (e) {
        if (e instanceof TrackingError) {
          this.counts.rejected += this.inFlight.length;
          this.opts.onWarning?.(`tracking server refused ${this.inFlight.length} metric points of run ${this.runId} (counted as undelivered): ${e.message}`);
          this.inFlight = [];
          continue;
        }
        // Anything else (an unreadable answer, say) is treated like an outage that may have
        // delivered: the loop never dies with points in it, and the check prevents duplicates.
        if (!(e instanceof TrackingUnavailableError) || e.maybeDelivered) this.needsCheck = true;
        this.outage = true;
        this.release();
        this.fellBehind(`tracking server unreachable; metric points of run ${this.runId} wait in memory, then in ${this.spillDir} (${e instanceof Error ? e.message : String(e)})`);
        await this.sleep(Math.min(backoff, Math.max(0, this.deadline - Date.now())));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** Moves the newest `n` memory points to the spill file (the older ones stay first in line). */
  private spillFromMemory(n: number): void {
    this.spill ??= new SpillFile(this.spillDir, { trackingUri: this.client.baseUrl, runId: this.runId });
    const cut = this.queue.length - n;
    this.spill.append(this.queue.slice(cut));
    this.queue.length = cut;
  }

  private fellBehind(message: string): void {
    if (this.behind) return;
    this.behind = true;
    this.opts.onWarning?.(message);
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
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
}
