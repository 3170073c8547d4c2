import type { Rng } from '../../rng';
import { minimize } from './lbfgs';
import { NegLogPosterior } from './mll';
import { defaultTheta, MIN_NOISE } from './prior';

/** Options of `fitKernel`. */
export interface FitOptions {
  /** The previous fit's raw coordinates [d + 2], tried first (it is usually next to the new optimum). @default - none */
  readonly warmStart?: Float64Array;
  /** Extra random starting points besides the warm start and the default point. @default 0 */
  readonly randomRestarts?: number;
  /** Iterations from the warm start: the fit continues from ask to ask, so a few per ask suffice. @default 15 */
  readonly warmMaxIter?: number;
  /** Noise floor of the standardised objective (prior.ts MIN_NOISE has the why). @default 1e-10 */
  readonly minNoise?: number;
}

/** A fitted set of hyperparameters. */
export interface FitResult {
  /** Raw coordinates [d + 2] (see prior.ts). */
  readonly theta: Float64Array;
  /** The negative log posterior there. */
  readonly loss: number;
  /** Objective evaluations over every start. */
  readonly evaluations: number;
}

/**
 * Maximum a posteriori kernel hyperparameters: L-BFGS on −(log marginal likelihood + log prior)
 * from the warm start (or, without one, the default point: every ils, s and noise at 1) and
 * `randomRestarts` more (the default point first when warm-started, then random points around
 * it); the best end point wins. Several starts guard against
 * the local optima the likelihood has (a short-lengthscale "noise-free interpolation" against a
 * long-lengthscale "smooth plus noise" explanation).
 * @param x inputs [n, d]; y standardised targets [n]; categorical [d]
 */
export function fitKernel(x: Float64Array, y: Float64Array, n: number, d: number, categorical: Uint8Array, rng: Rng, opts: FitOptions = {}): FitResult {
  const minNoise = opts.minNoise ?? MIN_NOISE;
  const nlp = new NegLogPosterior(x, y, n, d, categorical, minNoise);
  const starts: Float64Array[] = [];
  const warm = opts.warmStart && opts.warmStart.length === d + 2 && opts.warmStart.every(Number.isFinite);
  // The previous fit is next to the new optimum; the default point is only a start without one.
  starts.push(warm ? opts.warmStart! : defaultTheta(d, minNoise));
  for (let r = 0; r < (opts.randomRestarts ?? 0); r++) {
    const t = defaultTheta(d, minNoise);
    if (warm && r === 0) {
      starts.push(t); // with a warm start, the first restart is the default point
      continue;
    }
    // log ils within e^±2 of 1 (lengthscales 0.37 to 2.7 of the cube), noise from 1e-4 to 1.
    for (let k = 0; k < d; k++) t[k] = rng.uniform(-2, 2);
    t[d] = rng.uniform(-1, 1);
    t[d + 1] = rng.uniform(Math.log(1e-4), 0);
    starts.push(t);
  }
  let best: FitResult | undefined;
  let evaluations = 0;
  const f = (theta: Float64Array, grad: Float64Array) => nlp.evaluate(theta, grad);
  for (const [i, s] of starts.entries()) {
    // Bounds keep a runaway coordinate from overflowing exp(); they are far outside any sensible fit.
    const lower = new Float64Array(d + 2).fill(-20);
    const upper = new Float64Array(d + 2).fill(12);
    // gtol 1e-2 as Optuna: the acquisition barely moves with hyperparameters closer than that.
    const r = minimize(f, s, { maxIter: warm && i === 0 ? (opts.warmMaxIter ?? 15) : 200, gtol: 1e-2, ftol: 1e-9, lower, upper });
    evaluations += r.evaluations;
    if (Number.isFinite(r.f) && (!best || r.f < best.loss)) best = { theta: r.x, loss: r.f, evaluations: 0 };
  }
  if (!best) return { theta: defaultTheta(d, minNoise), loss: Infinity, evaluations };
  return { ...best, evaluations };
}
