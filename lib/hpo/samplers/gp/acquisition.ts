import type { Rng } from '../../rng';
import { decodeValue, encodeValue, fromUniform, gridIndex, gridValue, snap, type GpDim, type GpSpace } from './encode';
import { minimize } from './lbfgs';
import { logEi, logEiPartials } from './logei';
import type { GpPosterior } from './posterior';

/** How hard the acquisition is optimised. */
export interface AcquisitionOptions {
  /** Uniform random candidates scored first. @default 256 */
  readonly nRandom?: number;
  /** Candidates drawn around each warm start (the best observed points). @default 32 */
  readonly nNear?: number;
  /** Local searches (gradient + discrete coordinate moves), from the best candidates. @default 4 */
  readonly nLocal?: number;
}

/** A maximiser of log EI: the point (unit-cube coordinates, snapped to grids) and its value. */
export interface AcquisitionResult {
  readonly u: Float64Array;
  readonly value: number;
}

/** Discrete dimensions with at most this many values are searched exhaustively (as Optuna). */
const EXHAUSTIVE = 16;

/**
 * Maximises log EI over the space (Optuna 5 / BoTorch style):
 * 1. score random candidates and candidates near the warm starts;
 * 2. from the best one, every warm start and a few more picked with probability ∝ e^(logEI),
 *    run a local search: L-BFGS on the numeric coordinates (discrete ones relaxed, lengthscale-
 *    preconditioned as Optuna does), snap onto the grids, then coordinate moves on discrete and
 *    categorical dimensions, repeated while it improves;
 * 3. keep the best point.
 */
export function maximizeLogEi(gp: GpPosterior, gs: GpSpace, best: number, warmStarts: readonly Float64Array[], rng: Rng, opts: AcquisitionOptions = {}): AcquisitionResult {
  const d = gs.dims.length;
  const nRandom = opts.nRandom ?? 256;
  const nNear = opts.nNear ?? 32;
  const nLocal = opts.nLocal ?? 4;
  const lengthscale = new Float64Array(d);
  for (let j = 0; j < d; j++) lengthscale[j] = 1 / Math.sqrt(gp.params.ils[j]!);
  const total = nRandom + nNear * warmStarts.length;
  const cand = new Float64Array(total * d);
  for (let i = 0; i < nRandom; i++) for (let j = 0; j < d; j++) cand[i * d + j] = fromUniform(gs.dims[j]!, rng.next());
  let row = nRandom;
  for (const w of warmStarts) {
    for (let i = 0; i < nNear; i++, row++) {
      for (let j = 0; j < d; j++) {
        const dim = gs.dims[j]!;
        let v = w[j]!;
        if (dim.kind === 'categorical') {
          if (rng.next() < 1 / d) v = rng.int(dim.size);
        } else {
          // Steps from 1% to 30% of a lengthscale: both polishing and stepping out of the basin.
          const scale = Math.min(1, lengthscale[j]!) * Math.exp(rng.uniform(Math.log(0.01), Math.log(0.3)));
          v = Math.min(1, Math.max(0, v + scale * rng.normal()));
        }
        cand[row * d + j] = v;
      }
    }
  }
  const point = new Float64Array(d);
  const scores = new Float64Array(total);
  let top = 0;
  for (let i = 0; i < total; i++) {
    point.set(cand.subarray(i * d, (i + 1) * d));
    snap(gs, point);
    cand.set(point, i * d);
    gp.predict(point);
    scores[i] = logEi(gp.mean, gp.variance, best);
    if (scores[i]! > scores[top]!) top = i;
  }
  const starts: Float64Array[] = [cand.slice(top * d, (top + 1) * d), ...warmStarts.map((w) => Float64Array.from(w))];
  const weights = new Float64Array(total);
  for (let i = 0; i < total; i++) weights[i] = i === top ? 0 : Math.exp(scores[i]! - scores[top]!);
  while (starts.length < nLocal) {
    let sum = 0;
    for (let i = 0; i < total; i++) sum += weights[i]!;
    if (!(sum > 0)) break;
    const i = rng.categorical(weights);
    weights[i] = 0;
    starts.push(cand.slice(i * d, (i + 1) * d));
  }
  let bestU = starts[0]!;
  let bestValue = -Infinity;
  const search = new LocalSearch(gp, gs, best, lengthscale);
  for (const s of starts) {
    const r = search.run(s);
    if (r.value > bestValue) {
      bestValue = r.value;
      bestU = r.u;
    }
  }
  return { u: bestU, value: bestValue };
}

/** Local search from one start: gradient steps on numeric coordinates, coordinate moves on discrete ones. */
class LocalSearch {
  private readonly d: number;
  private readonly numeric: number[];
  /** Discrete and categorical dimensions: without any, one gradient step is the whole search. */
  private readonly discrete: number;
  private readonly dMean: Float64Array;
  private readonly dVar: Float64Array;
  private readonly partials = new Float64Array(2);
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;

  constructor(
    private readonly gp: GpPosterior,
    private readonly gs: GpSpace,
    private readonly best: number,
    private readonly lengthscale: Float64Array,
  ) {
    this.d = gs.dims.length;
    this.numeric = gs.dims.flatMap((dim, j) => (dim.kind === 'categorical' ? [] : [j]));
    this.discrete = gs.dims.filter((dim) => dim.kind !== 'continuous').length;
    this.dMean = new Float64Array(this.d);
    this.dVar = new Float64Array(this.d);
    this.lower = new Float64Array(this.numeric.length);
    this.upper = Float64Array.from(this.numeric, (j) => 1 / lengthscale[j]!);
  }

  private value(u: Float64Array): number {
    this.gp.predict(u);
    return logEi(this.gp.mean, this.gp.variance, this.best);
  }

  run(start: Float64Array): AcquisitionResult {
    let u: Float64Array = Float64Array.from(start);
    snap(this.gs, u);
    let value = this.value(u);
    for (let round = 0; round < 4; round++) {
      let improved = false;
      const g = this.gradientStep(u, value);
      if (g.value > value + 1e-12) {
        u = g.u;
        value = g.value;
        improved = true;
      }
      for (let j = 0; j < this.d; j++) {
        const dim = this.gs.dims[j]!;
        if (dim.kind === 'continuous') continue;
        const m = this.coordinateMove(u, value, j, dim);
        if (m > value + 1e-12) {
          value = m;
          improved = true;
        }
      }
      if (!improved || this.discrete === 0) break;
    }
    return { u, value };
  }

  /** L-BFGS on the numeric coordinates in lengthscale units (w = u / ℓ), then snapped; a copy. */
  private gradientStep(u0: Float64Array, value0: number): AcquisitionResult {
    const idx = this.numeric;
    if (idx.length === 0) return { u: u0, value: value0 };
    const u = Float64Array.from(u0);
    const { gp, best, dMean, dVar, partials, lengthscale } = this;
    const w0 = Float64Array.from(idx, (j) => u[j]! / lengthscale[j]!);
    const f = (w: Float64Array, grad: Float64Array): number => {
      for (let k = 0; k < idx.length; k++) u[idx[k]!] = w[k]! * lengthscale[idx[k]!]!;
      gp.predictGrad(u, dMean, dVar);
      const v = logEiPartials(gp.mean, gp.variance, best, partials);
      for (let k = 0; k < idx.length; k++) {
        const j = idx[k]!;
        grad[k] = -(partials[0]! * dMean[j]! + partials[1]! * dVar[j]!) * lengthscale[j]!;
      }
      return -v;
    };
    const r = minimize(f, w0, { maxIter: 200, gtol: 1e-6, ftol: 1e-12, lower: this.lower, upper: this.upper });
    for (let k = 0; k < idx.length; k++) u[idx[k]!] = Math.min(1, Math.max(0, r.x[k]! * lengthscale[idx[k]!]!));
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

