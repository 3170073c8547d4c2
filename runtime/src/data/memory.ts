// One replica's rows of a dataset held in memory, and a BatchReader over them that yields exactly
// the batches (and counts) the streaming reader yields for the same options, from memory.
import { DojoError } from '../../../lib/errors';
import { openBatches } from './reader';
import { NUM_FEATURES } from './schema';
import type { Batch, BatchReader, DatasetOptions, DType, FloatArray, ReaderStats } from './types';

/** Rows per chunk of an in-memory dataset (one 4.5 MiB allocation of float64 features and labels). */
export const CHUNK_ROWS = 1 << 16;

/** Bytes one kept row takes in memory (8 features and the label, float64). */
export const BYTES_PER_ROW = (NUM_FEATURES + 1) * 8;

/**
 * One pass of one replica's rows, parsed once: float64 chunks of CHUNK_ROWS rows (`x: [rows, 8]`,
 * `y: [rows]`, the last chunk shorter), in the order the streaming reader yields them. `skipAt`
 * holds, per skipped row, the number of kept rows before it; `markAt` the row numbers of rows kept
 * with NaN features; both ascending. Read-only once built.
 */
export class InMemoryRows {
  constructor(
    readonly xs: readonly Float64Array[],
    readonly ys: readonly Float64Array[],
    readonly rows: number,
    readonly skipAt: Float64Array,
    readonly markAt: Float64Array,
    /** Rows of every chunk but the last. */
    readonly chunkRows: number = CHUNK_ROWS,
  ) {}

  /** Bytes held (what a memory budget is charged). */
  get bytes(): number {
    return this.rows * BYTES_PER_ROW + (this.skipAt.length + this.markAt.length) * 8;
  }
}

/** What to load: the streaming reader's options without the batching ones. */
export type LoadOptions = Omit<DatasetOptions, 'batchSize' | 'dtype' | 'cycle' | 'onPositions'>;

/**
 * Reads one pass of this replica's rows into memory, asking `reserve(bytes)` before each chunk;
 * returns undefined (and keeps nothing) as soon as a reservation is refused. Errors of the data
 * (a bad row under `fail`, a missing object) are thrown as the streaming reader throws them.
 */
export async function loadRows(
  o: LoadOptions,
  reserve: (bytes: number) => boolean,
  signal?: AbortSignal,
  chunkRows: number = CHUNK_ROWS,
): Promise<InMemoryRows | undefined> {
  const skipAt: number[] = [];
  const markAt: number[] = [];
  const reader = await openBatches({
    ...o,
    batchSize: chunkRows,
    dtype: 'float64',
    cycle: false,
    handOver: true,
    onPositions: (skipped, marked) => {
      for (const r of skipped) skipAt.push(r);
      for (const r of marked) markAt.push(r);
    },
  });
  const xs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  let rows = 0;
  try {
    for (let b = await reader.next(); b; b = await reader.next()) {
      signal?.throwIfAborted();
      if (!reserve(b.rows * BYTES_PER_ROW)) return undefined;
      // Every batch but the last is exactly one full chunk, handed over by the reader (no copy); the
      // short last one is copied so that its unused tail is not kept.
      const full = b.rows === chunkRows;
      xs.push(full ? (b.x as Float64Array) : b.x.slice(0, b.rows * NUM_FEATURES) as Float64Array);
      ys.push(full ? (b.y as Float64Array) : b.y.slice(0, b.rows) as Float64Array);
      rows += b.rows;
    }
  } finally {
    await reader.close();
  }
  if (!reserve((skipAt.length + markAt.length) * 8)) return undefined;
  return new InMemoryRows(xs, ys, rows, Float64Array.from(skipAt), Float64Array.from(markAt), chunkRows);
}

/** How to read in-memory rows as batches (the streaming reader's options that still matter). */
export interface MemoryReadOptions {
  readonly batchSize: number;
  readonly dtype: DType;
  /** Start another pass when the data ends (training), or end (evaluation). */
  readonly cycle: boolean;
}

/**
 * Walks the rows of one in-memory pass in batch-sized windows as the streaming reader does (a
 * window may wrap into the next pass with `cycle`; without it the last one may be short), and
 * keeps the streaming reader's counts: rows read, and skipped and marked rows counted at the batch
 * in which the stream would have met them.
 */
export class PassCursor {
  readonly stats: ReaderStats = { rowsRead: 0, rowsSkipped: 0, rowsMarked: 0, bytesRead: 0, parseSeconds: 0, passes: 0 };
  private pos = 0;
  private skipIdx = 0;
  private markIdx = 0;
  private finished = false;

  constructor(
    private readonly data: InMemoryRows,
    private readonly cycle: boolean,
  ) {
    if (data.rows === 0) throw new DojoError('INTERNAL', 'an in-memory dataset with no rows (such data is streamed)');
  }

  /** Starts over at the first row with zeroed counts. */
  rewind(): void {
    this.pos = 0;
    this.skipIdx = 0;
    this.markIdx = 0;
    this.finished = false;
    Object.assign(this.stats, { rowsRead: 0, rowsSkipped: 0, rowsMarked: 0, passes: 0 });
  }

  /**
   * The next window of up to `size` rows, as `segment(start, count)` calls for its runs of rows
   * within a pass, in order; returns the rows in the window (0 at the end without cycle).
   */
  take(size: number, segment: (start: number, count: number) => void): number {
    if (this.finished) return 0;
    const n = this.data.rows;
    let filled = 0;
    while (filled < size) {
      if (this.pos === n) {
        // The stream reads past a pass's trailing skipped rows only when it needs more rows.
        this.countTo(n);
        this.stats.passes++;
        if (!this.cycle) {
          this.finished = true;
          break;
        }
        this.pos = 0;
        this.skipIdx = 0;
        this.markIdx = 0;
      }
      const k = Math.min(size - filled, n - this.pos);
      segment(this.pos, k);
      this.pos += k;
      filled += k;
      this.countTo(this.pos - 1);
    }
    this.stats.rowsRead += filled;
    return filled;
  }

  /** Counts the skipped rows before row `last` (inclusive) and the marked rows up to it. */
  private countTo(last: number): void {
    const { skipAt, markAt } = this.data;
    while (this.skipIdx < skipAt.length && skipAt[this.skipIdx]! <= last) {
      this.skipIdx++;
      this.stats.rowsSkipped++;
    }
    while (this.markIdx < markAt.length && markAt[this.markIdx]! <= last) {
      this.markIdx++;
      this.stats.rowsMarked++;
    }
  }
}

/**
 * A BatchReader over the batch-sized windows of one in-memory pass: a window that is one run of
 * rows (inside a pass) is handed to `window` by its first row, for a view without a copy; one that
 * wraps into the next pass (cycle) is first copied run by run with `copy(from, count, at)` into the
 * reader's own buffers (`window` then gets -1). No allocation per window; `rewind()` starts a new
 * pass with fresh counts, so one reader serves every evaluation of a run.
 */
export abstract class WindowReader implements BatchReader {
  private readonly cursor: PassCursor;
  private segments = 0;
  private first = 0;
  private filled = 0;
  private closed = false;
  private readonly onSegment = (start: number, count: number): void => {
    if (this.segments++ === 0) this.first = start;
    else {
      if (this.segments === 2) this.copy(this.first, this.filled, 0);
      this.copy(start, count, this.filled);
    }
    this.filled += count;
  };

  constructor(
    data: InMemoryRows,
    protected readonly batchSize: number,
    cycle: boolean,
  ) {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new DojoError('USAGE', `batch size must be a whole number >= 1, got ${batchSize}`);
    this.cursor = new PassCursor(data, cycle);
  }

  get stats(): Readonly<ReaderStats> {
    return this.cursor.stats;
  }

  /** Starts over at the first row with zeroed counts (evaluation passes). */
  rewind(): void {
    this.cursor.rewind();
    this.closed = false;
  }

  async next(): Promise<Batch | undefined> {
    if (this.closed) throw new DojoError('INTERNAL', 'next() called on a closed batch reader');
    this.segments = 0;
    this.filled = 0;
    const rows = this.cursor.take(this.batchSize, this.onSegment);
    if (rows === 0) return undefined;
    return this.window(rows, this.segments === 1 ? this.first : -1);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The batch of a window of `rows` rows: starting at row `run` of the pass, or (-1) already copied into the buffers. */
  protected abstract window(rows: number, run: number): Batch;

  /** Copies rows [from, from + count) of the pass into the batch buffers at row `at`. */
  protected abstract copy(from: number, count: number, at: number): void;
}

/**
 * Batches of in-memory rows, identical to the streaming reader's for the same data and options:
 * the same rows in the same batches, converted to float32 the same way, and skipped and marked rows
 * counted at the same batch. Float64 batches inside one chunk are views of it (no copy); consumers
 * only read batches.
 */
export class MemoryBatchReader extends WindowReader {
  private readonly x: FloatArray;
  private readonly y: FloatArray;

  constructor(
    private readonly data: InMemoryRows,
    private readonly o: MemoryReadOptions,
  ) {
    super(data, o.batchSize, o.cycle);
    const alloc = (n: number): FloatArray => (o.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
    this.x = alloc(o.batchSize * NUM_FEATURES);
    this.y = alloc(o.batchSize);
  }

  protected window(rows: number, first: number): Batch {
    if (first >= 0) {
      const { data } = this;
      const c = Math.floor(first / data.chunkRows);
      const off = first - c * data.chunkRows;
      // One run inside one chunk, in float64: the chunk itself.
      if (this.o.dtype === 'float64' && off + rows <= data.ys[c]!.length) {
        return { x: data.xs[c]!.subarray(off * NUM_FEATURES, (off + rows) * NUM_FEATURES), y: data.ys[c]!.subarray(off, off + rows), rows, numFeatures: NUM_FEATURES };
      }
      this.copy(first, rows, 0);
    }
    const full = rows === this.o.batchSize;
    return { x: full ? this.x : this.x.subarray(0, rows * NUM_FEATURES), y: full ? this.y : this.y.subarray(0, rows), rows, numFeatures: NUM_FEATURES };
  }

  /** Copies rows [from, from + count) of the pass into the batch buffers at row `at`. */
  protected copy(from: number, count: number, at: number): void {
    const { data } = this;
    let done = 0;
    while (done < count) {
      const row = from + done;
      const c = Math.floor(row / data.chunkRows);
      const off = row - c * data.chunkRows;
      const k = Math.min(count - done, data.ys[c]!.length - off);
      // TypedArray.set rounds to float32 exactly as the streaming reader's conversion does.
      this.x.set(data.xs[c]!.subarray(off * NUM_FEATURES, (off + k) * NUM_FEATURES), (at + done) * NUM_FEATURES);
      this.y.set(data.ys[c]!.subarray(off, off + k), at + done);
      done += k;
    }
  }
}
