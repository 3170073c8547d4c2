import type { Batch, BatchReader, DType, FloatArray, ReaderStats } from '../data/types';
import { NUM_FEATURES } from '../data/schema';
import { COORD_COLUMNS, PASS_COLUMNS, numericColumns, preparedWidth, type FittedPrep } from './prep';

/** Bin of value `v` among `n` equal-width bins over [lo, hi]; outside values clamp to the edge bins. */
export function binIndex(v: number, lo: number, hi: number, n: number): number {
  const b = Math.floor(((v - lo) * n) / (hi - lo));
  return b < 0 ? 0 : b >= n ? n - 1 : b;
}

/**
 * A first layer fed sparse one-hot inputs (binned coordinates): each row arrives as `dense` numbers
 * (input columns 0..dense-1) plus `perRow` column indices (dense..in-1) whose value is 1; every other
 * input is 0. The first Linear then gathers `perRow` weight columns instead of multiplying a dense
 * row. Defined here, where the encoding is made; the model's layout takes it as given.
 */
export interface SparseInput {
  readonly dense: number;
  readonly perRow: number;
}

/** The network input encoding of a preparation: binned coordinates arrive as 4 one-hot indices per row. */
export function sparseInputOf(bins: number): SparseInput | undefined {
  return bins > 0 ? { dense: PASS_COLUMNS.length, perRow: COORD_COLUMNS.length } : undefined;
}

/**
 * Applies a fitted preparation to batches of raw rows, into preallocated buffers (no per-row
 * objects). The numeric columns go to `x`; with bins, each coordinate's one-hot block is kept
 * sparse: `sparse.index` holds the input column of each of the row's 4 ones (the network gathers
 * those weight columns; see SparseInput), so no dense one-hot row is ever written. A batch without
 * a missing feature (the usual case) is prepared a column at a time; one with a NaN feature row by
 * row; both give the same values (each output is the same float64 expression of its input).
 */
export class Preparer {
  /** Rows dropped so far (missing = drop: a feature was NaN). */
  rowsDropped = 0;
  /** Feature values replaced by the training mean so far (missing = mean). */
  valuesImputed = 0;
  /** The network's input width (4 + 4·bins with bins, else 8). */
  readonly width: number;
  private readonly sparse: SparseInput | undefined;
  private x: FloatArray;
  private y: FloatArray;
  private hot: Int32Array;
  private readonly row = new Float64Array(NUM_FEATURES);
  /** Raw column, centre and divisor of each numeric output column. */
  private readonly cols: Int32Array;
  private readonly center: Float64Array;
  private readonly spread: Float64Array;
  /** Per coordinate block: raw column, bin range low, high and width (hi - lo). */
  private readonly binCol = Int32Array.from(COORD_COLUMNS);
  private readonly binLo: Float64Array;
  private readonly binHi: Float64Array;
  private readonly binWidth: Float64Array;
  /** The imputation means as a value of the dtype: an imputed feature is exactly the mean written into the CSV. */
  private readonly means: Float64Array;
  /** Per numeric output column: centre 0 and divisor 1, so (v - 0) / 1 is v itself (IEEE 754) and it is copied. */
  private readonly unscaled: Uint8Array;
  /** No bins and every column unscaled: a batch without a missing feature is its own preparation. */
  private readonly identity: boolean;

  constructor(
    readonly fitted: FittedPrep,
    private readonly dtype: DType,
    capacity: number,
  ) {
    this.width = preparedWidth(fitted.bins);
    this.cols = Int32Array.from(numericColumns(fitted.bins));
    this.center = Float64Array.from(fitted.center);
    this.spread = Float64Array.from(fitted.spread);
    this.sparse = sparseInputOf(fitted.bins);
    this.means = Float64Array.from(fitted.means, (m) => (dtype === 'float32' ? Math.fround(m) : m));
    const range = (c: number): readonly [number, number] => (c % 2 === 0 ? fitted.lat : fitted.lon);
    this.binLo = Float64Array.from(COORD_COLUMNS, (_, c) => range(c)[0]);
    this.binHi = Float64Array.from(COORD_COLUMNS, (_, c) => range(c)[1]);
    this.binWidth = Float64Array.from(COORD_COLUMNS, (_, c) => range(c)[1] - range(c)[0]);
    this.unscaled = Uint8Array.from(this.center, (c, j) => (c === 0 && this.spread[j] === 1 ? 1 : 0));
    this.identity = fitted.bins === 0 && this.unscaled.every((u) => u === 1);
    this.x = this.alloc(capacity * this.cols.length);
    this.y = this.alloc(capacity);
    this.hot = new Int32Array(this.sparse ? capacity * this.sparse.perRow : 0);
  }

  /** Batches without a missing feature come out as they went in (no bins, nothing scaled). */
  get passThrough(): boolean {
    return this.identity;
  }

  /**
   * The prepared batch (a view of this preparer's buffers, valid until the next call). `complete`:
   * the caller knows no feature of the batch is missing (NaN), so it is not looked for.
   */
  apply(b: Batch, complete = false): Batch {
    const missing = !complete && hasMissing(b.x, b.rows * NUM_FEATURES);
    if (!missing && this.identity) return b;
    if (b.rows > this.y.length) this.grow(b.rows);
    const out = missing ? this.byRow(b) : this.byColumn(b);
    const { x, y, hot } = this;
    const nc = this.cols.length;
    const full = out === this.y.length;
    const sparse = this.sparse ? { sparse: { ...this.sparse, index: full ? hot : hot.subarray(0, out * this.sparse.perRow) } } : {};
    return { x: full ? x : x.subarray(0, out * nc), y: full ? y : y.subarray(0, out), rows: out, numFeatures: this.width, ...sparse };
  }

  /** Every row kept as it is: one tight loop per output column. Returns the rows written. */
  private byColumn(b: Batch): number {
    const { x, hot, cols, center, spread, unscaled, binCol, binLo, binWidth } = this;
    const n = b.rows;
    const bx = b.x;
    const nc = cols.length;
    const nb = this.fitted.bins;
    for (let j = 0; j < nc; j++) {
      const c = center[j]!;
      const s = spread[j]!;
      if (unscaled[j] === 1) for (let r = 0, i = cols[j]!, o = j; r < n; r++, i += NUM_FEATURES, o += nc) x[o] = bx[i]!;
      else for (let r = 0, i = cols[j]!, o = j; r < n; r++, i += NUM_FEATURES, o += nc) x[o] = (bx[i]! - c) / s;
    }
    if (nb > 0) {
      for (let c = 0; c < 4; c++) {
        const lo = binLo[c]!;
        const w = binWidth[c]!;
        const first = nc + c * nb;
        for (let r = 0, i = binCol[c]!, h = c; r < n; r++, i += NUM_FEATURES, h += 4) {
          // binIndex, inlined: the same expression.
          const k = Math.floor(((bx[i]! - lo) * nb) / w);
          hot[h] = first + (k < 0 ? 0 : k >= nb ? nb - 1 : k);
        }
      }
    }
    this.y.set(b.y.length === n ? b.y : b.y.subarray(0, n));
    return n;
  }

  /** Rows with a missing feature dropped or imputed: one row at a time. Returns the rows written. */
  private byRow(b: Batch): number {
    const f = this.fitted;
    const { x, y, hot, row, cols, center, spread, binCol, binLo, binHi } = this;
    const nb = f.bins;
    const drop = f.missing === 'drop';
    const impute = f.missing === 'mean';
    const nc = cols.length;
    let out = 0;
    for (let r = 0; r < b.rows; r++) {
      const base = r * NUM_FEATURES;
      let ok = true;
      for (let k = 0; k < NUM_FEATURES; k++) {
        let v = b.x[base + k]!;
        if (v !== v) {
          if (drop) {
            ok = false;
            break;
          }
          if (impute) {
            v = this.means[k]!;
            this.valuesImputed++;
          }
        }
        row[k] = v;
      }
      if (!ok) {
        this.rowsDropped++;
        continue;
      }
      const o = out * nc;
      for (let j = 0; j < nc; j++) x[o + j] = (row[cols[j]!]! - center[j]!) / spread[j]!;
      if (nb > 0) {
        const h = out * 4;
        for (let c = 0; c < 4; c++) hot[h + c] = nc + c * nb + binIndex(row[binCol[c]!]!, binLo[c]!, binHi[c]!, nb);
      }
      y[out] = b.y[r]!;
      out++;
    }
    return out;
  }

  private alloc(n: number): FloatArray {
    return this.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  }

  private grow(rows: number): void {
    this.x = this.alloc(rows * this.cols.length);
    this.y = this.alloc(rows);
    this.hot = new Int32Array(this.sparse ? rows * this.sparse.perRow : 0);
  }
}

/**
 * False when none of the first `n` values is NaN (a missing feature: only `mark` reading makes
 * them): a NaN makes the sums NaN. True may also mean +Infinity and -Infinity met (the row path
 * then handles them as the column path would).
 */
function hasMissing(x: FloatArray, n: number): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a += x[i]!;
    b += x[i + 1]!;
    c += x[i + 2]!;
    d += x[i + 3]!;
  }
  for (; i < n; i++) a += x[i]!;
  const s = a + b + c + d;
  return s !== s;
}

/** A BatchReader whose batches are prepared; batches left empty by `drop` are read past. */
export class PreparedReader implements BatchReader {
  /** Starts another pass when the inner reader can (in-memory data); the Preparer's counters are the caller's. */
  readonly rewind?: () => void;

  constructor(
    private readonly inner: BatchReader,
    readonly preparer: Preparer,
    /** No row of the inner data has a missing feature (in-memory rows with none marked). */
    private readonly complete = false,
  ) {
    if (inner.rewind) this.rewind = () => inner.rewind!();
  }

  get stats(): Readonly<ReaderStats> {
    return this.inner.stats;
  }

  async next(): Promise<Batch | undefined> {
    for (;;) {
      const b = await this.inner.next();
      if (!b) return undefined;
      const p = this.preparer.apply(b, this.complete);
      if (p.rows > 0) return p;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
