// Priors on the GP's hyperparameters, in the raw (log) coordinates the fit moves in:
//   θ_k = log ils_k (k < d), θ_d = log s (signal variance), θ_{d+1} = log(noise − minNoise).
// The shapes follow Optuna 5's default prior: each ils pulled towards 1 (a lengthscale about the
// width of the unit cube) by −0.1 (1/ils + ils), s ~ Gamma(2, 1) and noise ~ Gamma(1.1, 30), so
// that with few points the fit prefers a smooth, nearly noise-free explanation.

/**
 * The noise variance of the standardised objective never goes below this (plus the fit's lower
 * bound e^−20 ≈ 2e-9 on the part above it). Optuna 5 floors it at 1e-6; on a deterministic
 * objective that floor is what limits how closely the model resolves the optimum once trials
 * cluster there (noise sd 1e-3 of the objective's spread), and at 1e-10 the median regret of
 * bench/hpo/regret.ts fell 10–20× on Branin and Hartmann-6, and on Levy-10 and the mixed space
 * too. A noisy objective fits its noise far above either floor; the Cholesky jitter ladder
 * (linalg.ts) handles near-duplicate points.
 */
export const MIN_NOISE = 1e-10;

/** Hyperparameters from raw coordinates: ils_k = e^θ_k, s = e^θ_d, noise = minNoise + e^θ_{d+1}. */
export interface KernelParams {
  readonly ils: Float64Array;
  readonly scale: number;
  readonly noise: number;
}

/** Decodes raw coordinates θ: [d + 2] into kernel parameters (ils is a fresh array). */
export function decodeParams(theta: Float64Array, d: number, minNoise = MIN_NOISE): KernelParams {
  const ils = new Float64Array(d);
  for (let k = 0; k < d; k++) ils[k] = Math.exp(theta[k]!);
  return { ils, scale: Math.exp(theta[d]!), noise: minNoise + Math.exp(theta[d + 1]!) };
}

/** The starting point of a fit without history: every ils, s and the noise at 1 (as Optuna). */
export function defaultTheta(d: number, minNoise = MIN_NOISE): Float64Array {
  const t = new Float64Array(d + 2);
  t[d + 1] = Math.log(1 - minNoise);
  return t;
}

/**
 * log p(θ) up to a constant; adds dlog p/dθ into grad: [d + 2] (accumulates, does not reset).
 * @param theta raw coordinates [d + 2]
 */
export function logPrior(theta: Float64Array, d: number, grad: Float64Array, minNoise = MIN_NOISE): number {
  let lp = 0;
  for (let k = 0; k < d; k++) {
    const ils = Math.exp(theta[k]!);
    lp -= 0.1 / ils + 0.1 * ils;
    grad[k] = grad[k]! + 0.1 / ils - 0.1 * ils;
  }
  const s = Math.exp(theta[d]!);
  lp += Math.log(s) - s; // Gamma(2, 1): (2 − 1) log s − s
  grad[d] = grad[d]! + 1 - s;
  const e = Math.exp(theta[d + 1]!);
  const noise = minNoise + e;
  lp += 0.1 * Math.log(noise) - 30 * noise; // Gamma(1.1, 30)
  grad[d + 1] = grad[d + 1]! + (0.1 / noise - 30) * e;
  return lp;
}
