import type { FloatParam, IntParam, ParamSpec } from './space';

/**
 * The continuous interval a numeric parameter is modelled on: log space for `log: true`, and for
 * discrete grids the interval widened by half a step on each side so every grid point owns a bin
 * of equal width (what rounding a continuous draw onto the grid needs).
 */
export interface NumericDomain {
  readonly lo: number;
  readonly hi: number;
}

/** A numeric parameter spec. */
export type NumericParam = FloatParam | IntParam;

/** True for float and int parameters. */
export function isNumeric(p: ParamSpec): p is NumericParam {
  return p.type !== 'categorical';
}

function gridStep(p: NumericParam): number | undefined {
  if (p.log) return undefined;
  return p.step ?? (p.type === 'int' ? 1 : undefined);
}

/** The modelling interval of a numeric parameter. */
export function numericDomain(p: NumericParam): NumericDomain {
  if (p.log) {
    return p.type === 'int' ? { lo: Math.log(p.low - 0.5), hi: Math.log(p.high + 0.5) } : { lo: Math.log(p.low), hi: Math.log(p.high) };
  }
  const step = gridStep(p);
  return step === undefined ? { lo: p.low, hi: p.high } : { lo: p.low - step / 2, hi: p.high + step / 2 };
}

/** Maps a parameter value to the modelling space. */
export function toInternal(p: NumericParam, v: number): number {
  return p.log ? Math.log(v) : v;
}

/** Maps a point of the modelling space to a valid value of the parameter (rounded onto its grid). */
export function fromInternal(p: NumericParam, x: number): number {
  let v = p.log ? Math.exp(x) : x;
  const step = gridStep(p);
  if (step !== undefined) v = p.low + Math.round((v - p.low) / step) * step;
  else if (p.type === 'int') v = Math.round(v);
  if (v < p.low) v = p.low;
  if (v > p.high) v = p.high;
  // Grid arithmetic in floating point leaves 0.30000000000000004; snap to the step's decimals.
  if (step !== undefined && p.type === 'float') v = Number(v.toPrecision(15));
  return v;
}

/** True when `value` lies in the domain of `p` (on its grid for int/step, one of its choices). */
export function contains(p: ParamSpec, value: unknown): boolean {
  if (p.type === 'categorical') return p.choices.some((c) => c === value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (value < p.low || value > p.high) return false;
  if (p.type === 'int' && !Number.isInteger(value)) return false;
  const step = p.step ?? (p.type === 'int' ? 1 : undefined);
  if (step === undefined) return true;
  const k = (value - p.low) / step;
  return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, Math.abs(k));
}
