import type { ParamSpec } from '../space';

/** One axis of a contour plot: numeric (linear or log) or categorical, one band per choice. */
export type ContourAxis =
  | { readonly kind: 'numeric'; readonly name: string; readonly log: boolean; readonly lo: number; readonly hi: number }
  | { readonly kind: 'categorical'; readonly name: string; readonly choices: readonly string[] };

/** A trial placed on the unit square of two axes, with its objective value. */
export interface FieldPoint {
  readonly u: number;
  readonly v: number;
  readonly value: number;
}

/**
 * The axis of a parameter: from its spec when the space is known, else from the values seen
 * (numeric when every value is a number, categorical otherwise, choices in sorted order).
 */
export function contourAxis(name: string, spec: ParamSpec | undefined, values: readonly unknown[]): ContourAxis {
  if (spec?.type === 'categorical') return { kind: 'categorical', name, choices: spec.choices.map(String) };
  if (spec) return { kind: 'numeric', name, log: spec.log === true, lo: spec.low, hi: spec.high };
  const nums = values.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN));
  if (nums.length > 0 && nums.every(Number.isFinite)) {
    return { kind: 'numeric', name, log: false, lo: Math.min(...nums), hi: Math.max(...nums) };
  }
  const choices = [...new Set(values.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { kind: 'categorical', name, choices };
}

/** Where a value sits on the axis, in [0, 1] (a categorical choice at its band's centre); undefined off the axis. */
export function unitOf(axis: ContourAxis, value: unknown): number | undefined {
  if (axis.kind === 'categorical') {
    const i = axis.choices.indexOf(String(value));
    return i < 0 ? undefined : (i + 0.5) / axis.choices.length;
  }
  const v = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(v) || (axis.log && v <= 0)) return undefined;
  const [lo, hi, x] = axis.log ? [Math.log(axis.lo), Math.log(axis.hi), Math.log(v)] : [axis.lo, axis.hi, v];
  return hi > lo ? (x - lo) / (hi - lo) : 0.5;
}

/** The value of a numeric axis at a unit position (log axes interpolate in log space). */
export function valueAt(axis: Extract<ContourAxis, { kind: 'numeric' }>, u: number): number {
  return axis.log ? Math.exp(Math.log(axis.lo) + u * (Math.log(axis.hi) - Math.log(axis.lo))) : axis.lo + u * (axis.hi - axis.lo);
}

/** The cells along an axis as unit intervals: `numericCells` equal ones, or one per choice. */
export function cellsOf(axis: ContourAxis, numericCells = 30): { readonly from: number; readonly to: number }[] {
  const n = axis.kind === 'categorical' ? axis.choices.length : numericCells;
  return Array.from({ length: n }, (_, i) => ({ from: i / n, to: (i + 1) / n }));
}

/**
 * The objective interpolated over the grid of cell centres by inverse-distance weighting (power 2)
 * in unit coordinates: `field[i * ys.length + j]` is the value at (xs[i], ys[j]). Empty without points.
 */
export function idwField(points: readonly FieldPoint[], xs: readonly number[], ys: readonly number[]): Float64Array {
  const out = new Float64Array(points.length === 0 ? 0 : xs.length * ys.length);
  if (points.length === 0) return out;
  // Columns of plain numbers and the x distances once per column: a web page runs this once, cold
  // (interpreted), so every operation saved in the inner loop counts.
  const n = points.length;
  const pv = Float64Array.from(points, (p) => p.v);
  const pval = Float64Array.from(points, (p) => p.value);
  const dx2 = new Float64Array(n);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    for (let k = 0; k < n; k++) {
      const d = points[k]!.u - x;
      dx2[k] = d * d + 1e-9;
    }
    for (let j = 0; j < ys.length; j++) {
      const y = ys[j]!;
      let num = 0;
      let den = 0;
      for (let k = 0; k < n; k++) {
        const d = pv[k]! - y;
        const w = 1 / (dx2[k]! + d * d);
        num += w * pval[k]!;
        den += w;
      }
      out[i * ys.length + j] = num / den;
    }
  }
  return out;
}
