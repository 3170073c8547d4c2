// In-memory rows after a fitted preparation, kept per feature set: later trials with the same
// setting read prepared batches straight from memory instead of preparing every batch again.
import { DojoError } from '../../../lib/errors';
import { PassCursor, type InMemoryRows } from '../data/memory';
import { NUM_FEATURES } from '../data/schema';
import type { Batch, BatchReader, DType, FloatArray, ReaderStats } from '../data/types';
import { Preparer, sparseInputOf } from './apply';
import { numericColumns, type FittedPrep } from './prep';

/**
 * One pass of rows as a Preparer makes them, in the model's dtype, prepared lazily in raw order
 * (a chunk at a time, as far as some reader has got: a short trial prepares only what it reads):
 * `x: [kept, numeric columns]`, `y: [kept]`, with bins `hot: [kept, 4]`. Per raw row r,
 * `keptBefore[r]` is the number of prepared rows before it (a dropped row adds none) and
 * `imputedBefore[r]` the feature values imputed before it, so any window of raw rows maps to a run
 * of prepared rows and its counts. The arrays are allocated whole (untouched pages cost no memory).
 */
export class PreparedRows {
  /** Raw rows prepared so far (a multiple of the chunk size, or all). */
  private upTo = 0;
  private out = 0;
  private readonly preparer: Preparer;
  private readonly scratch: { x: FloatArray; y: FloatArray } | undefined;
  private readonly nc: number;
  private readonly perRow: number;

  constructor(
    readonly fitted: FittedPrep,
    private readonly raw: InMemoryRows,
    dtype: DType,
    readonly x: FloatArray,
    readonly y: FloatArray,
    readonly hot: Int32Array,
    readonly keptBefore: Float64Array,
    readonly imputedBefore: Float64Array,
  ) {
    this.preparer = new Preparer(fitted, dtype, raw.chunkRows);
    this.nc = numericColumns(fitted.bins).length;
    this.perRow = sparseInputOf(fitted.bins)?.perRow ?? 0;
    // Float32 models read rows rounded to float32, as a float32 stream would give them.
    this.scratch = dtype === 'float32' ? { x: new Float32Array(raw.chunkRows * NUM_FEATURES), y: new Float32Array(raw.chunkRows) } : undefined;
  }

  /** Bytes held (reserved) for the whole pass. */
  get bytes(): number {
    return this.x.byteLength + this.y.byteLength + this.hot.byteLength + this.keptBefore.byteLength + this.imputedBefore.byteLength;
  }

  /** Prepares raw rows up to `end` (exclusive), so that keptBefore is known there. */
  ensure(end: number): void {
    while (this.upTo < end) this.prepareChunk();
  }

  private prepareChunk(): void {
    const { raw, fitted, nc, perRow, keptBefore, imputedBefore } = this;
    const c = Math.floor(this.upTo / raw.chunkRows);
    let bx: FloatArray = raw.xs[c]!;
    let by: FloatArray = raw.ys[c]!;
    const rows = by.length;
    if (this.scratch) {
      this.scratch.x.set(bx);
      this.scratch.y.set(by);
      bx = this.scratch.x.subarray(0, rows * NUM_FEATURES);
      by = this.scratch.y.subarray(0, rows);
    }
    const drop = fitted.missing === 'drop';
    const impute = imputedBefore.length > 0;
    const r0 = this.upTo;
    // What the Preparer will do to each row, from its NaN features (only `mark` reading makes NaN).
    for (let r = 0; r < rows; r++) {
      let nan = 0;
      for (let k = 0; k < NUM_FEATURES; k++) {
        const v = bx[r * NUM_FEATURES + k]!;
        if (v !== v) nan++;
      }
      keptBefore[r0 + r + 1] = keptBefore[r0 + r]! + (drop && nan > 0 ? 0 : 1);
      if (impute) imputedBefore[r0 + r + 1] = imputedBefore[r0 + r]! + nan;
    }
    const p = this.preparer.apply({ x: bx, y: by, rows, numFeatures: NUM_FEATURES });
    if (p.rows !== keptBefore[r0 + rows]! - keptBefore[r0]!) throw new DojoError('INTERNAL', `preparing rows ${r0}..: ${p.rows} kept, expected ${keptBefore[r0 + rows]! - keptBefore[r0]!}`);
    this.x.set(p.x.subarray(0, p.rows * nc), this.out * nc);
    this.y.set(p.y.subarray(0, p.rows), this.out);
    if (perRow > 0) this.hot.set(p.sparse!.index.subarray(0, p.rows * perRow), this.out * perRow);
    this.out += p.rows;
    this.upTo += rows;
  }
}

/**
 * A PreparedRows for `raw` (nothing prepared yet), asking `reserve` for the memory of the whole pass
 * first; undefined when refused.
 */
export async function prepareRows(raw: InMemoryRows, fitted: FittedPrep, dtype: DType, reserve: (bytes: number) => boolean): Promise<PreparedRows | undefined> {
  const n = raw.rows;
  const nc = numericColumns(fitted.bins).length;
  const perRow = sparseInputOf(fitted.bins)?.perRow ?? 0;
  const elem = dtype === 'float32' ? 4 : 8;
  const impute = fitted.missing === 'mean';
  if (!reserve(n * (nc + 1) * elem + n * perRow * 4 + (n + 1) * 8 * (impute ? 2 : 1))) return undefined;
  const alloc = (k: number): FloatArray => (dtype === 'float32' ? new Float32Array(k) : new Float64Array(k));
  return new PreparedRows(fitted, raw, dtype, alloc(n * nc), alloc(n), new Int32Array(n * perRow), new Float64Array(n + 1), new Float64Array(impute ? n + 1 : 0));
}

/**
 * Prepared batches from memory, identical to a PreparedReader over the same raw batches: the raw
 * rows are walked in the same windows (PassCursor), each window's kept rows are served (a view of
 * the prepared arrays when they are one run), windows left empty by `drop` are read past, and the
 * Preparer's counters grow as they would have.
 */
export class PreparedMemoryReader implements BatchReader {
  private readonly cursor: PassCursor;
  private readonly nc: number;
  private readonly perRow: number;
  private readonly width: number;
  private readonly x: FloatArray;
  private readonly y: FloatArray;
  private readonly hot: Int32Array;
  private runs: number[] = [];
  private readonly onSegment = (start: number, count: number): void => {
    this.runs.push(start, count);
  };

  constructor(
    private readonly p: PreparedRows,
    raw: InMemoryRows,
    private readonly o: { readonly batchSize: number; readonly dtype: DType; readonly cycle: boolean },
    /** The run's Preparer: its rowsDropped and valuesImputed are counted here. */
    private readonly counters: Preparer,
  ) {
    this.cursor = new PassCursor(raw, o.cycle);
    this.nc = numericColumns(p.fitted.bins).length;
    this.perRow = sparseInputOf(p.fitted.bins)?.perRow ?? 0;
    this.width = counters.width;
    const alloc = (k: number): FloatArray => (o.dtype === 'float32' ? new Float32Array(k) : new Float64Array(k));
    this.x = alloc(o.batchSize * this.nc);
    this.y = alloc(o.batchSize);
    this.hot = new Int32Array(o.batchSize * this.perRow);
  }

  get stats(): Readonly<ReaderStats> {
    return this.cursor.stats;
  }

  /** Starts over at the first row with zeroed reader counts (the Preparer's are the caller's). */
  rewind(): void {
    this.cursor.rewind();
  }

  async next(): Promise<Batch | undefined> {
    const { p, nc, perRow } = this;
    for (;;) {
      this.runs.length = 0;
      const rawRows = this.cursor.take(this.o.batchSize, this.onSegment);
      if (rawRows === 0) return undefined;
      for (let i = 0; i < this.runs.length; i += 2) p.ensure(this.runs[i]! + this.runs[i + 1]!);
      let kept = 0;
      for (let i = 0; i < this.runs.length; i += 2) {
        const s = this.runs[i]!;
        const e = s + this.runs[i + 1]!;
        kept += p.keptBefore[e]! - p.keptBefore[s]!;
        if (p.imputedBefore.length > 0) this.counters.valuesImputed += p.imputedBefore[e]! - p.imputedBefore[s]!;
      }
      this.counters.rowsDropped += rawRows - kept;
      if (kept === 0) continue;
      if (this.runs.length === 2) {
        const a = p.keptBefore[this.runs[0]!]!;
        return this.batch(p.x.subarray(a * nc, (a + kept) * nc), p.y.subarray(a, a + kept), p.hot.subarray(a * perRow, (a + kept) * perRow), kept);
      }
      let at = 0;
      for (let i = 0; i < this.runs.length; i += 2) {
        const a = p.keptBefore[this.runs[i]!]!;
        const k = p.keptBefore[this.runs[i]! + this.runs[i + 1]!]! - a;
        this.x.set(p.x.subarray(a * nc, (a + k) * nc), at * nc);
        this.y.set(p.y.subarray(a, a + k), at);
        if (perRow > 0) this.hot.set(p.hot.subarray(a * perRow, (a + k) * perRow), at * perRow);
        at += k;
      }
      return this.batch(this.x.subarray(0, kept * nc), this.y.subarray(0, kept), this.hot.subarray(0, kept * perRow), kept);
    }
  }

  async close(): Promise<void> {}

  private batch(x: FloatArray, y: FloatArray, hot: Int32Array, rows: number): Batch {
    return { x, y, rows, numFeatures: this.width, ...(this.perRow > 0 ? { sparse: { dense: this.nc, perRow: this.perRow, index: hot } } : {}) };
  }
}
