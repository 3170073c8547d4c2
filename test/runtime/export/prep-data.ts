import type { DType } from '../../../runtime/src/data/types';
import { createModel, parseHParams, type Model } from '../../../runtime/src/model';
import { binIndex, COORD_COLUMNS, fitFromStats, Preparer, type FittedPrep, type PrepParams } from '../../../runtime/src/prep';
import { trainStep } from '../../../runtime/src/train/step';
import { rng, tripRow } from '../prep/gen';

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** The float32 `k` representable steps away from float32 `v` (k < 0: towards -Infinity). */
export function f32Step(v: number, k: number): number {
  f32[0] = v;
  if (f32[0] === 0 && k !== 0) return k > 0 ? 1.4e-45 * k : -1.4e-45 * -k;
  bits[0] += f32[0] > 0 ? k : -k;
  return f32[0];
}

/** binIndex as a float32 pipeline would compute it: what the export avoids by binning in float64. */
export function binIndexF32(v: number, lo: number, hi: number, n: number): number {
  const fr = Math.fround;
  const b = Math.floor(fr(fr(fr(v - fr(lo)) * n) / fr(fr(hi) - fr(lo))));
  return b < 0 ? 0 : b >= n ? n - 1 : b;
}

/** Raw feature rows `[rows, 8]` (float32, as predict reads them for a float32 model). */
export interface RawRows {
  readonly x: Float32Array;
  readonly rows: number;
  /** Rows whose coordinate sits within a few float32 ulps of a bin edge (or on it). */
  readonly edgeRows: number;
  /** Of those, rows a float32 binning pipeline would put in another bin than binIndex. */
  readonly f32Misbinned: number;
}

/** Per-feature sums, sums of squares and counts of the finite values, as fitPrep computes them. */
function stats(rows: readonly (readonly number[])[]): { sum: number[]; sumSq: number[]; count: number[] } {
  const sum = new Array<number>(8).fill(0);
  const sumSq = new Array<number>(8).fill(0);
  const count = new Array<number>(8).fill(0);
  for (const r of rows) {
    for (let k = 0; k < 8; k++) {
      const v = r[k]!;
      if (Number.isFinite(v)) {
        sum[k]! += v;
        sumSq[k]! += v * v;
        count[k]! += 1;
      }
    }
  }
  return { sum, sumSq, count };
}

/**
 * Test rows for a preparation: ordinary DC trips, trips outside the DC box, and for every bin edge
 * of every coordinate the float32 values within ±3 ulps of it plus, within ±200 ulps, those whose
 * float64 bin position is a whole number or which float32 arithmetic would bin differently. With
 * `dirty`, also NaN and ±Infinity in every column.
 */
export function rawRows(bins: number, dirty: boolean, seed = 5): RawRows {
  const r = rng(seed);
  const out: number[][] = [];
  const trip = (): number[] => tripRow(r).slice(1);
  for (let i = 0; i < 300; i++) out.push(trip());
  for (const [lat, lon] of [[38.5, -77.5], [39.3, -76.5], [38.8, -77.12], [39.0, -76.9], [-90, 180], [1e6, -1e6]]) {
    const row = trip();
    row[0] = lat!;
    row[1] = lon!;
    row[2] = lat! + 0.01;
    row[3] = lon! - 0.01;
    out.push(row);
  }
  let edgeRows = 0;
  let f32Misbinned = 0;
  const n = bins > 0 ? bins : 64;
  const lat = [38.8, 39.0] as const;
  const lon = [-77.12, -76.9] as const;
  for (const c of COORD_COLUMNS) {
    const [lo, hi] = c % 2 === 0 ? lat : lon;
    for (let k = 0; k <= n; k++) {
      const edge = Math.fround(lo + (k * (hi - lo)) / n);
      for (let d = -200; d <= 200; d++) {
        const v = f32Step(edge, d);
        const t = ((v - lo) * n) / (hi - lo);
        const misbinned = binIndex(v, lo, hi, n) !== binIndexF32(v, lo, hi, n);
        if (Math.abs(d) > 3 && !Number.isInteger(t) && !misbinned) continue;
        const row = trip();
        row[c] = v;
        out.push(row);
        edgeRows++;
        if (misbinned) f32Misbinned++;
      }
    }
  }
  if (dirty) {
    for (let k = 0; k < 8; k++) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const row = trip();
        row[k] = bad;
        out.push(row);
      }
    }
    const allBad = new Array<number>(8).fill(NaN);
    out.push(allBad);
  }
  return { x: Float32Array.from(out.flat()), rows: out.length, edgeRows, f32Misbinned };
}

/**
 * A small model with a preparation fitted (fitFromStats) on generated trips, trained a few steps on
 * prepared batches so that weights and BatchNorm statistics are far from their initial values.
 */
export async function preparedModel(p: PrepParams, bn: 0 | 1, dtype: DType = 'float32'): Promise<{ model: Model; prep: FittedPrep }> {
  const r = rng(11);
  const trips = Array.from({ length: 512 }, () => tripRow(r));
  const features = trips.map((t) => t.slice(1));
  const s = stats(features);
  const prep = fitFromStats(p, s.sum, s.sumSq, s.count);
  const bins = prep.bins;
  const hp = parseHParams({ num_features: bins > 0 ? 4 + 4 * bins : 8, num_hidden_neurons: [6, 5], batch_norm_linear_layers: bn, batch_size: 512, lr: 0.01, seed: 3 });
  const model = createModel(hp, dtype, { prep, capacityRows: 512 });
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const batch = new Preparer(prep, dtype, 512).apply({ x: Arr.from(features.flat()), y: Arr.from(trips.map((t) => t[0]!)), rows: 512, numFeatures: 8 });
  for (let i = 0; i < 5; i++) await trainStep(model, batch);
  return { model, prep };
}

/**
 * Raw float64 rows as CSV text gives them: DC trips whose coordinate is a bin edge written with 6
 * decimals, or 1e-6 either side (a float64 model reads these exactly; float32 moves some across the edge).
 */
export function decimalEdgeRows(bins: number, seed = 8): { x: Float64Array; rows: number } {
  const r = rng(seed);
  const out: number[][] = [];
  for (const c of COORD_COLUMNS) {
    const [lo, hi] = c % 2 === 0 ? [38.8, 39.0] : [-77.12, -76.9];
    for (let k = 0; k <= bins; k++) {
      const edge = lo! + (k * (hi! - lo!)) / bins;
      for (const d of [-1e-6, 0, 1e-6]) {
        const row = tripRow(r).slice(1);
        row[c] = Number((edge + d).toFixed(6));
        out.push(row);
      }
    }
  }
  return { x: Float64Array.from(out.flat()), rows: out.length };
}
