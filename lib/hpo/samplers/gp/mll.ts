import { pairSqDeltas } from './kernel';
import { cholesky, choleskyInverseLower, solveLower, solveUpperT } from './linalg';
import { logPrior, MIN_NOISE } from './prior';

const LOG_2PI = Math.log(2 * Math.PI);
const SQRT5 = Math.sqrt(5); // the Matérn-5/2 of kernel.ts, inlined to share one exp per pair

/**
 * The negative log posterior of the kernel hyperparameters, −(log p(y | X, θ) + log p(θ)), and its
 * gradient in the raw coordinates of prior.ts. With C = s·M(R²) + noise·I and α = C⁻¹y:
 *   log p(y | X, θ) = −½ yᵀα − ½ log det C − n/2 log 2π,
 *   ∂/∂θ = ½ tr((ααᵀ − C⁻¹) ∂C/∂θ).
 * The per-pair distances are computed once (the points do not move during a fit) and every
 * buffer is allocated once, so an evaluation allocates nothing.
 */
export class NegLogPosterior {
  /** Number of raw coordinates: d lengthscales, the signal variance and the noise. */
  readonly size: number;
  private readonly deltas: Float64Array; // [pairs, d]
  private readonly dm: Float64Array; // [pairs] dM/dr² at the current θ
  private readonly m: Float64Array; // [pairs] M(r²)
  private readonly c: Float64Array; // [n, n]
  private readonly l: Float64Array; // [n, n]
  private readonly inv: Float64Array; // [n, n]
  private readonly work: Float64Array; // [n, n]
  private readonly alpha: Float64Array; // [n]
  private readonly ils: Float64Array; // [d]

  /**
   * @param x training inputs [n, d], row-major (unit cube; choice index on categorical dimensions)
   * @param y standardised targets [n] (to be maximised: larger is better)
   * @param categorical [d]: 1 where the dimension is categorical
   */
  constructor(
    x: Float64Array,
    private readonly y: Float64Array,
    private readonly n: number,
    private readonly d: number,
    categorical: Uint8Array,
    private readonly minNoise = MIN_NOISE,
  ) {
    if (y.length < n) throw new Error(`NegLogPosterior: y has ${y.length} entries, x has ${n} rows`);
    this.size = d + 2;
    this.deltas = pairSqDeltas(x, n, d, categorical);
    const pairs = (n * (n - 1)) / 2;
    this.dm = new Float64Array(pairs);
    this.m = new Float64Array(pairs);
    this.c = new Float64Array(n * n);
    this.l = new Float64Array(n * n);
    this.inv = new Float64Array(n * n);
    this.work = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.ils = new Float64Array(d);
  }

  /** The loss at θ: [d + 2]; writes its gradient into grad: [d + 2]. +Infinity when C is not positive definite. */
  evaluate(theta: Float64Array, grad: Float64Array): number {
    const { n, d, deltas, dm, m, c, l, alpha, ils } = this;
    for (let k = 0; k < d; k++) ils[k] = Math.exp(theta[k]!);
    const s = Math.exp(theta[d]!);
    const noiseExtra = Math.exp(theta[d + 1]!);
    const noise = this.minNoise + noiseExtra;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        const o = p * d;
        for (let k = 0; k < d; k++) r2 += ils[k]! * deltas[o + k]!;
        // M and dM/dr² share e^(−√5 r).
        const r = Math.sqrt(r2);
        const e = Math.exp(-SQRT5 * r);
        const mv = (1 + SQRT5 * r + (5 / 3) * r2) * e;
        m[p] = mv;
        dm[p] = (-5 / 6) * (1 + SQRT5 * r) * e;
        c[ri + j] = s * mv; // the lower triangle is all cholesky reads
        p++;
      }
      c[ri + i] = s + noise;
    }
    grad.fill(0, 0, d + 2);
    if (cholesky(c, n, l) < 0) return Infinity;
    solveLower(l, n, this.y, alpha);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += alpha[i]! * alpha[i]!;
    let logDetHalf = 0;
    for (let i = 0; i < n; i++) logDetHalf += Math.log(l[i * n + i]!);
    solveUpperT(l, n, alpha, alpha);
    const mll = -0.5 * quad - logDetHalf - 0.5 * n * LOG_2PI;
    const inv = this.inv;
    choleskyInverseLower(l, n, this.work, inv);
    // W = ααᵀ − C⁻¹; the diagonal terms feed s and the noise, the pairs feed s and every ils.
    let traceW = 0;
    for (let i = 0; i < n; i++) traceW += alpha[i]! * alpha[i]! - inv[i * n + i]!;
    let gScale = 0.5 * s * traceW;
    p = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = 0; j < i; j++) {
        const w = alpha[i]! * alpha[j]! - inv[ri + j]!;
        gScale += w * s * m[p]!;
        const wg = w * s * dm[p]!;
        const o = p * d;
        for (let k = 0; k < d; k++) grad[k] = grad[k]! + wg * deltas[o + k]!;
        p++;
      }
    }
    for (let k = 0; k < d; k++) grad[k] = grad[k]! * ils[k]!;
    grad[d] = gScale;
    grad[d + 1] = 0.5 * traceW * noiseExtra;
    // grad holds d mll / dθ; add the prior's, then negate for a loss.
    const lp = logPrior(theta, d, grad, this.minNoise);
    for (let k = 0; k < d + 2; k++) grad[k] = -grad[k]!;
    return -(mll + lp);
  }
}
