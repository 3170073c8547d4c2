import type { ParamSpec, ParamValue, Params, SearchSpace } from '../../space';
import { contains, fromInternal, numericDomain, toInternal, type NumericParam } from '../../domain';

/**
 * One dimension of the GP's input: continuous floats and discrete numbers (ints, stepped floats)
 * are scaled to [0, 1] in the modelling space of domain.ts (log space for `log: true`, grids widened
 * by half a step so every grid value owns an equal bin); a categorical is its choice index.
 */
export type GpDim =
  | { readonly kind: 'continuous'; readonly name: string; readonly spec: NumericParam; readonly lo: number; readonly hi: number }
  | { readonly kind: 'discrete'; readonly name: string; readonly spec: NumericParam; readonly lo: number; readonly hi: number; /** Number of grid values. */ readonly size: number }
  | { readonly kind: 'categorical'; readonly name: string; readonly spec: ParamSpec & { type: 'categorical' }; readonly size: number };

/** The encoding of a whole space, in the space's key order. */
export interface GpSpace {
  readonly dims: readonly GpDim[];
  /** [d]: 1 where the dimension is categorical (Hamming distance in the kernel). */
  readonly categorical: Uint8Array;
}

function gridStep(p: NumericParam): number | undefined {
  if (p.log) return p.type === 'int' ? 1 : undefined;
  return p.step ?? (p.type === 'int' ? 1 : undefined);
}

/** Builds the encoding of a space. */
export function encodeSpace(space: SearchSpace): GpSpace {
  const dims: GpDim[] = Object.entries(space).map(([name, p]): GpDim => {
    if (p.type === 'categorical') return { kind: 'categorical', name, spec: p, size: p.choices.length };
    const { lo, hi } = numericDomain(p);
    const step = gridStep(p);
    if (step === undefined) return { kind: 'continuous', name, spec: p, lo, hi };
    return { kind: 'discrete', name, spec: p, lo, hi, size: Math.round((p.high - p.low) / step) + 1 };
  });
  return { dims, categorical: Uint8Array.from(dims, (d) => (d.kind === 'categorical' ? 1 : 0)) };
}

/** The coordinate of a valid value on one dimension (a grid value sits at the centre of its bin). */
export function encodeValue(dim: GpDim, v: ParamValue): number {
  if (dim.kind === 'categorical') return dim.spec.choices.findIndex((c) => c === v);
  const range = dim.hi - dim.lo;
  return range > 0 ? (toInternal(dim.spec, v as number) - dim.lo) / range : 0.5;
}

/** The valid value at a coordinate (numbers rounded onto their grid, categoricals by index). */
export function decodeValue(dim: GpDim, u: number): ParamValue {
  if (dim.kind === 'categorical') return dim.spec.choices[Math.min(dim.size - 1, Math.max(0, Math.round(u)))]!;
  return fromInternal(dim.spec, dim.lo + Math.min(1, Math.max(0, u)) * (dim.hi - dim.lo));
}

/** The k-th grid value of a discrete dimension (k in [0, size)). */
export function gridValue(dim: GpDim & { kind: 'discrete' }, k: number): number {
  const p = dim.spec;
  if (p.log) return p.low + k;
  const step = gridStep(p)!;
  return p.type === 'int' ? p.low + k * step : Number((p.low + k * step).toPrecision(15));
}

/** The grid index of a valid value of a discrete dimension. */
export function gridIndex(dim: GpDim & { kind: 'discrete' }, v: number): number {
  const p = dim.spec;
  return p.log ? v - p.low : Math.round((v - p.low) / gridStep(p)!);
}

/** Writes the coordinates of params into row: [d]; false when a value is missing or outside the space. */
export function encodeParams(gs: GpSpace, params: Params, row: Float64Array): boolean {
  for (let j = 0; j < gs.dims.length; j++) {
    const dim = gs.dims[j]!;
    const v = params[dim.name];
    if (v === undefined || !contains(dim.spec, v)) return false;
    row[j] = encodeValue(dim, v);
  }
  return true;
}

/** The params at coordinates u: [d]. */
export function decodeParams(gs: GpSpace, u: Float64Array): Params {
  const out: Params = {};
  gs.dims.forEach((dim, j) => (out[dim.name] = decodeValue(dim, u[j]!)));
  return out;
}

/** Snaps coordinates onto what decoding would give back (grid centres, whole choice indices), in place. */
export function snap(gs: GpSpace, u: Float64Array): void {
  for (let j = 0; j < gs.dims.length; j++) {
    const dim = gs.dims[j]!;
    if (dim.kind === 'continuous') continue;
    u[j] = encodeValue(dim, decodeValue(dim, u[j]!));
  }
}

/** A uniform coordinate from a uniform u in [0, 1): categoricals get a whole index. */
export function fromUniform(dim: GpDim, u: number): number {
  return dim.kind === 'categorical' ? Math.min(dim.size - 1, Math.floor(u * dim.size)) : u;
}
