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
 * those weight columns; see SparseInput), so no dense one-hot row is ever written.
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
  private readonly cols: readonly number[];
  /** The imputation means as a value of the dtype: an imputed feature is exactly the mean written into the CSV. */
  private readonly means: Float64Array;

  constructor(
    readonly fitted: FittedPrep,
    private readonly dtype: DType,
    capacity: number,
  ) {
    this.width = preparedWidth(fitted.bins);
    this.cols = numericColumns(fitted.bins);
    this.sparse = sparseInputOf(fitted.bins);
    this.means = Float64Array.from(fitted.means, (m) => (dtype === 'float32' ? Math.fround(m) : m));
    this.x = this.alloc(capacity * this.cols.length);
    this.y = this.alloc(capacity);
    this.hot = new Int32Array(this.sparse ? capacity * this.sparse.perRow : 0);
  }

  /** The prepared batch (a view of this preparer's buffers, valid until the next call). */
  apply(b: Batch): Batch {
    if (b.rows > this.y.length) this.grow(b.rows);
    const f = this.fitted;
    const { x, y, hot, row, cols } = this;
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
      for (let j = 0; j < nc; j++) x[o + j] = (row[cols[j]!]! - f.center[j]!) / f.spread[j]!;
      if (nb > 0) {
        const h = out * 4;
        for (let c = 0; c < 4; c++) {
          const range = c % 2 === 0 ? f.lat : f.lon;
          hot[h + c] = nc + c * nb + binIndex(row[COORD_COLUMNS[c]!]!, range[0], range[1], nb);
        }
      }
      y[out] = b.y[r]!;
      out++;
    }
    const full = out === this.y.length;
    const sparse = this.sparse ? { sparse: { ...this.sparse, index: full ? hot : hot.subarray(0, out * this.sparse.perRow) } } : {};
    return { x: full ? x : x.subarray(0, out * nc), y: full ? y : y.subarray(0, out), rows: out, numFeatures: this.width, ...sparse };
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

/** A BatchReader whose batches are prepared; batches left empty by `drop` are read past. */
export class PreparedReader implements BatchReader {
  constructor(
    private readonly inner: BatchReader,
    readonly preparer: Preparer,
  ) {}

  get stats(): Readonly<ReaderStats> {
    return this.inner.stats;
  }

  async next(): Promise<Batch | undefined> {
    for (;;) {
      const b = await this.inner.next();
      if (!b) return undefined;
      const p = this.preparer.apply(b);
      if (p.rows > 0) return p;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
