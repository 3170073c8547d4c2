import { decodeValue, encodeValue, gridIndex, gridValue, snap, type GpDim, type GpSpace } from './encode';
import { minimize } from './lbfgs';
import { logEi, logEiPartials } from './logei';
import type { GpPosterior } from './posterior';

/** A point of the space (unit-cube coordinates, snapped onto the grids) and its log EI. */
export interface AcquisitionResult {
  readonly u: Float64Array;
  readonly value: number;
}

/** How far a local search goes. */
export interface LocalSearchOptions {
  /** Stop L-BFGS when the largest projected gradient component (in lengthscale units) is below this. @default 1e-3 */
  readonly gtol?: number;
  /** L-BFGS iterations per gradient step. @default 100 */
  readonly maxIter?: number;
  /** Rounds of (gradient step, discrete moves) while one of them improves (mixed spaces). @default 4 */
  readonly rounds?: number;
}

/** Discrete dimensions with at most this many values are searched exhaustively (as Optuna). */
const EXHAUSTIVE = 16;

/**
 * Local maximisation of log EI from one start (Optuna 5's `local_search_mixed`, in spirit):
 * L-BFGS on the numeric coordinates in lengthscale units w = u/ℓ (which equalises the curvature
 * the kernel gives each dimension; discrete ones relaxed, then snapped onto their grid), then
 * moves along each discrete and categorical dimension, repeated while either improves.
 * Scratch buffers are allocated once per search object and reused across starts.
 */
export class LocalSearch {
  private readonly d: number;
  private readonly numeric: Int32Array;
  /** Discrete and categorical dimensions: without any, one gradient step is the whole search. */
  private readonly discrete: number;
  private readonly dMean: Float64Array;
  private readonly dVar: Float64Array;
  private readonly partials = new Float64Array(2);
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly lengthscale: Float64Array;
  private readonly gtol: number;
  private readonly maxIter: number;
  private readonly rounds: number;
  /** log EI evaluations (with or without gradient) so far, for profiling and tests. */
  evaluations = 0;

  constructor(
    private readonly gp: GpPosterior,
    private readonly gs: GpSpace,
    private readonly best: number,
    opts: LocalSearchOptions = {},
  ) {
    this.d = gs.dims.length;
    this.lengthscale = Float64Array.from(gp.params.ils, (v) => 1 / Math.sqrt(v));
    this.numeric = Int32Array.from(gs.dims.flatMap((dim, j) => (dim.kind === 'categorical' ? [] : [j])));
    this.discrete = gs.dims.filter((dim) => dim.kind !== 'continuous').length;
    this.dMean = new Float64Array(this.d);
    this.dVar = new Float64Array(this.d);
    this.lower = new Float64Array(this.numeric.length);
    this.upper = Float64Array.from(this.numeric, (j) => 1 / this.lengthscale[j]!);
    this.gtol = opts.gtol ?? 1e-3;
    this.maxIter = opts.maxIter ?? 100;
    this.rounds = opts.rounds ?? 4;
  }

  /** log EI at u. */
  value(u: Float64Array): number {
    this.evaluations++;
    this.gp.predict(u);
    return logEi(this.gp.mean, this.gp.variance, this.best);
  }

  /** The best point found from start (copied, snapped) whose log EI is startValue when known. */
  run(start: Float64Array, startValue?: number): AcquisitionResult {
    let u: Float64Array = Float64Array.from(start);
    snap(this.gs, u);
    let value = startValue ?? this.value(u);
    for (let round = 0; round < this.rounds; round++) {
      let improved = false;
      const g = this.gradientStep(u, value);
      if (g.value > value) {
        u = g.u;
        value = g.value;
        improved = true;
      }
      if (this.discrete === 0) break;
      for (let j = 0; j < this.d; j++) {
        const dim = this.gs.dims[j]!;
        if (dim.kind === 'continuous') continue;
        const m = this.coordinateMove(u, value, j, dim);
        if (m > value) {
          value = m;
          improved = true;
        }
      }
      if (!improved) break;
    }
    return { u, value };
  }

  /** L-BFGS on the numeric coordinates in lengthscale units, then snapped; a copy. */
  private gradientStep(u0: Float64Array, value0: number): AcquisitionResult {
    const idx = this.numeric;
    const k = idx.length;
    if (k === 0) return { u: u0, value: value0 };
    const u = Float64Array.from(u0);
    const { gp, best, dMean, dVar, partials, lengthscale } = this;
    const w0 = new Float64Array(k);
    for (let p = 0; p < k; p++) w0[p] = u[idx[p]!]! / lengthscale[idx[p]!]!;
    const f = (w: Float64Array, grad: Float64Array): number => {
      this.evaluations++;
      for (let p = 0; p < k; p++) u[idx[p]!] = Math.min(1, w[p]! * lengthscale[idx[p]!]!);
      gp.predictGrad(u, dMean, dVar);
      const v = logEiPartials(gp.mean, gp.variance, best, partials);
      for (let p = 0; p < k; p++) {
        const j = idx[p]!;
        grad[p] = -(partials[0]! * dMean[j]! + partials[1]! * dVar[j]!) * lengthscale[j]!;
      }
      return -v;
    };
    const r = minimize(f, w0, { maxIter: this.maxIter, gtol: this.gtol, ftol: 1e-12, lower: this.lower, upper: this.upper });
    for (let p = 0; p < k; p++) u[idx[p]!] = Math.min(1, r.x[p]! * lengthscale[idx[p]!]!);
    if (this.discrete === 0) return { u, value: -r.f };
    snap(this.gs, u);
    return { u, value: this.value(u) };
  }

  /** Tries other values of dimension j (every one when few, else grid neighbours at doubling distances); moves u in place to the best. */
  private coordinateMove(u: Float64Array, value: number, j: number, dim: GpDim): number {
    const keep = u[j]!;
    let bestV = value;
    let bestU = keep;
    const tryAt = (c: number) => {
      if (c === keep) return;
      u[j] = c;
      const v = this.value(u);
      if (v > bestV) {
        bestV = v;
        bestU = c;
      }
    };
    if (dim.kind === 'categorical') {
      for (let c = 0; c < dim.size; c++) tryAt(c);
    } else if (dim.kind === 'discrete') {
      if (dim.size <= EXHAUSTIVE) {
        for (let k = 0; k < dim.size; k++) tryAt(encodeValue(dim, gridValue(dim, k)));
      } else {
        const at = gridIndex(dim, decodeValue(dim, keep) as number);
        for (let step = 1; step < dim.size; step *= 2) {
          for (const k of [at - step, at + step]) if (k >= 0 && k < dim.size) tryAt(encodeValue(dim, gridValue(dim, k)));
        }
      }
    }
    u[j] = bestU;
    return bestV;
  }
}
