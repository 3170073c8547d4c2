// A dataset's in-memory rows prepared once for one fitted preparation, and a reader that serves a
// run's batches from them: the per-batch preparation (scaling, binning) of every training step and
// of every evaluation pass is then paid once per feature set instead of once per batch read (five
// evaluation passes of the validation rows per trial, bench/README "Studies").
//
// Only rows with no missing feature are prepared ahead (a kept-rows map for dropped rows would
// change batch contents): each prepared row is then the same float expression of its raw row,
// whichever batch it falls in, so the batches equal a PreparedReader's over the same rows bit for bit.
import { DojoError } from '../../../lib/errors';
import { MemoryBatchReader, WindowReader, type InMemoryRows } from '../data/memory';
import type { Batch, DType, FloatArray } from '../data/types';
import { Preparer } from './apply';
import type { FittedPrep } from './prep';

/** Rows prepared per step while building (one raw chunk's worth of buffers). */
const BUILD_ROWS = 1 << 14;

/** One pass of rows prepared for one fitted preparation and dtype (`x: [rows, dense]`, `index: [rows, perRow]`). */
export class PreparedRows {
  constructor(
    readonly x: FloatArray,
    readonly y: FloatArray,
    /** Sparse one-hot column indices per row (binned features); empty without bins. */
    readonly index: Int32Array,
    readonly rows: number,
    /** Numbers per row in `x`, and the batches' numFeatures and sparse layout. */
    readonly dense: number,
    readonly numFeatures: number,
    readonly sparse: { readonly dense: number; readonly perRow: number } | undefined,
  ) {}

  /** Bytes held (what a memory budget is charged). */
  get bytes(): number {
    return this.x.byteLength + this.y.byteLength + this.index.byteLength;
  }
}

/**
 * True when `rows` can be prepared ahead for `fitted`: no row has a missing feature (only `mark`
 * reading makes them) and the preparation is not the identity (then batches need no copy at all).
 */
export function canPrepareAhead(rows: InMemoryRows, fitted: FittedPrep, dtype: DType): boolean {
  return rows.markAt.length === 0 && !new Preparer(fitted, dtype, 1).passThrough;
}

/**
 * What prepared rows without a missing feature depend on: the numeric columns' centres and
 * divisors, the bins and their ranges, and the dtype — not the missing-value policy, which such
 * rows never meet (so `drop` and `mean` trials of one binning share one prepared copy).
 */
export function preparedKey(fitted: FittedPrep, dtype: DType): string {
  const { bins, center, spread, lat, lon } = fitted;
  return `prepared ${JSON.stringify({ dtype, bins, center, spread, lat, lon })}`;
}

/**
 * Prepares every row of `rows` for `fitted` in `dtype`, reading them as a run would (the same
 * float32 rounding of raw values first), asking `reserve(bytes)` once for the whole result;
 * undefined when refused.
 */
export async function prepareRows(rows: InMemoryRows, fitted: FittedPrep, dtype: DType, reserve: (bytes: number) => boolean): Promise<PreparedRows | undefined> {
  if (rows.markAt.length > 0) throw new DojoError('INTERNAL', 'rows with missing features are prepared batch by batch');
  const preparer = new Preparer(fitted, dtype, BUILD_ROWS);
  const n = rows.rows;
  const raw = new MemoryBatchReader(rows, { batchSize: BUILD_ROWS, dtype, cycle: false });
  let at = 0;
  let out: PreparedRows | undefined;
  for (let b = await raw.next(); b; b = await raw.next()) {
    const p = preparer.apply(b, true);
    if (!out) {
      const dense = p.x.length / p.rows;
      const perRow = p.sparse?.perRow ?? 0;
      const bytes = n * (dense + 1) * (dtype === 'float32' ? 4 : 8) + n * perRow * 4;
      if (!reserve(bytes)) return undefined;
      const Arr = dtype === 'float32' ? Float32Array : Float64Array;
      const sparse = p.sparse ? { dense: p.sparse.dense, perRow: p.sparse.perRow } : undefined;
      out = new PreparedRows(new Arr(n * dense), new Arr(n), new Int32Array(n * perRow), n, dense, p.numFeatures, sparse);
    }
    out.x.set(p.x, at * out.dense);
    out.y.set(p.y, at);
    if (p.sparse) out.index.set(p.sparse.index, at * p.sparse.perRow);
    at += p.rows;
  }
  if (at !== n) throw new DojoError('INTERNAL', `prepared ${at} of ${n} rows`);
  return out;
}

/**
 * Batches of prepared rows, the same as a PreparedReader over a MemoryBatchReader of the raw rows
 * with the same options (same windows, same counts); a batch inside one pass is a view of the
 * prepared rows, one wrapping into the next pass (training) is copied.
 */
export class PreparedMemoryReader extends WindowReader {
  private readonly x: FloatArray;
  private readonly y: FloatArray;
  private readonly index: Int32Array;

  constructor(
    rows: InMemoryRows,
    private readonly p: PreparedRows,
    o: { readonly batchSize: number; readonly cycle: boolean },
  ) {
    super(rows, o.batchSize, o.cycle);
    if (rows.rows !== p.rows) throw new DojoError('INTERNAL', `prepared rows (${p.rows}) of another dataset (${rows.rows} rows)`);
    const Arr = p.x instanceof Float32Array ? Float32Array : Float64Array;
    // Buffers for batches that wrap into the next pass only (cycle), so evaluation allocates none.
    const cap = o.cycle ? o.batchSize : 0;
    this.x = new Arr(cap * p.dense);
    this.y = new Arr(cap);
    this.index = new Int32Array(cap * (p.sparse?.perRow ?? 0));
  }

  protected window(rows: number, a: number): Batch {
    const { p } = this;
    const perRow = p.sparse?.perRow ?? 0;
    if (a >= 0) {
      return this.batch(p.x.subarray(a * p.dense, (a + rows) * p.dense), p.y.subarray(a, a + rows), p.index.subarray(a * perRow, (a + rows) * perRow), rows);
    }
    return this.batch(this.x.subarray(0, rows * p.dense), this.y.subarray(0, rows), this.index.subarray(0, rows * perRow), rows);
  }

  private batch(x: FloatArray, y: FloatArray, index: Int32Array, rows: number): Batch {
    const { p } = this;
    return { x, y, rows, numFeatures: p.numFeatures, ...(p.sparse ? { sparse: { ...p.sparse, index } } : {}) };
  }

  /** Copies prepared rows [from, from + count) into the batch buffers at row `at`. */
  protected copy(from: number, count: number, at: number): void {
    const { p } = this;
    const perRow = p.sparse?.perRow ?? 0;
    this.x.set(p.x.subarray(from * p.dense, (from + count) * p.dense), at * p.dense);
    this.y.set(p.y.subarray(from, from + count), at);
    if (perRow > 0) this.index.set(p.index.subarray(from * perRow, (from + count) * perRow), at * perRow);
  }
}
