import type { Batch, BatchReader, DType, FloatArray, ReaderStats } from '../data/types';
import { NUM_FEATURES } from '../data/schema';
import { COORD_COLUMNS, PASS_COLUMNS, numericColumns, preparedWidth, type FittedPrep } from './prep';

/** Bin of value `v` among `n` equal-width bins over [lo, hi]; outside values clamp to the edge bins. */
export function binIndex(v: number, lo: number, hi: number, n: number): number {
  const b = Math.floor(((v - lo) * n) / (hi - lo));
  return b < 0 ? 0 : b >= n ? n - 1 : b;
}

/**
 * Applies a fitted preparation to batches of raw rows, into preallocated buffers (no per-row
 * objects). With bins, the one-hot blocks are written dense into the reused output buffer, but only
 * the previous row's four ones are cleared: O(width) once per buffer, then O(1) per row.
 */
export class Preparer {
  /** Rows dropped so far (missing = drop: a feature was NaN). */
  rowsDropped = 0;
  /** Feature values replaced by the training mean so far (missing = mean). */
  valuesImputed = 0;
  readonly width: number;
  private x: FloatArray;
  private y: FloatArray;
  /** Per output row, the 4 one-hot positions currently set (-1: the row is all zeros). */
  private hot: Int32Array;
  private readonly row = new Float64Array(NUM_FEATURES);
  private readonly cols: readonly number[];

  constructor(
    readonly fitted: FittedPrep,
    private readonly dtype: DType,
    capacity: number,
  ) {
    this.width = preparedWidth(fitted.bins);
    this.cols = numericColumns(fitted.bins);
    this.x = this.alloc(capacity * this.width);
    this.y = this.alloc(capacity);
    this.hot = new Int32Array(capacity * 4).fill(-1);
  }

  /** The prepared batch (a view of this preparer's buffers, valid until the next call). */
  apply(b: Batch): Batch {
    if (b.rows > this.y.length) this.grow(b.rows);
    const f = this.fitted;
    const { x, y, hot, row, cols, width } = this;
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
            v = f.means[k]!;
            this.valuesImputed++;
          }
        }
        row[k] = v;
      }
      if (!ok) {
        this.rowsDropped++;
        continue;
      }
      const o = out * width;
      for (let j = 0; j < nc; j++) x[o + j] = (row[cols[j]!]! - f.center[j]!) / f.spread[j]!;
      if (nb > 0) {
        const h = out * 4;
        for (let c = 0; c < 4; c++) {
          if (hot[h + c]! >= 0) x[hot[h + c]!] = 0;
          const range = c % 2 === 0 ? f.lat : f.lon;
          const at = o + PASS_COLUMNS.length + c * nb + binIndex(row[COORD_COLUMNS[c]!]!, range[0], range[1], nb);
          x[at] = 1;
          hot[h + c] = at;
        }
      }
      y[out] = b.y[r]!;
      out++;
    }
    const full = out === this.y.length;
    return { x: full ? x : x.subarray(0, out * width), y: full ? y : y.subarray(0, out), rows: out, numFeatures: width };
  }

  private alloc(n: number): FloatArray {
    return this.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  }

  private grow(rows: number): void {
    this.x = this.alloc(rows * this.width);
    this.y = this.alloc(rows);
    this.hot = new Int32Array(rows * 4).fill(-1);
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
