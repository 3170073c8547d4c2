import { matern52, sqDelta } from './kernel';

const SQRT5 = Math.sqrt(5);
import { cholesky, solveLower, solveUpperT } from './linalg';
import type { KernelParams } from './prior';

/**
 * The GP posterior of the latent function at new points, for fixed kernel parameters:
 *   mean(z) = k(z)ᵀ C⁻¹ y,  var(z) = s − k(z)ᵀ C⁻¹ k(z),  C = K + noise·I.
 * C is factored once; each prediction costs O(n·d + n²) and allocates nothing.
 */
export class GpPosterior {
  private readonly l: Float64Array; // [n, n] Cholesky factor of C
  private readonly alpha: Float64Array; // [n] C⁻¹ y
  private readonly k: Float64Array; // [n] scratch: k(z)
  private readonly v: Float64Array; // [n] scratch: L⁻¹ k(z), then C⁻¹ k(z)
  private readonly dk: Float64Array; // [n] scratch: 2 s M'(r²) per training point
  private readonly anyCategorical: boolean;
  /** Mean of the last `predict`/`predictGrad`. */
  mean = 0;
  /** Variance (latent, without noise) of the last `predict`/`predictGrad`. */
  variance = 0;

  /**
   * @param x training inputs [n, d]
   * @param y standardised targets [n]
   * @param categorical [d]: 1 where categorical
   * @throws when C is not positive definite even with jitter
   */
  constructor(
    readonly x: Float64Array,
    readonly y: Float64Array,
    readonly n: number,
    readonly d: number,
    readonly categorical: Uint8Array,
    readonly params: KernelParams,
  ) {
    const { ils, scale, noise } = params;
    const c = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let q = 0; q < d; q++) r2 += ils[q]! * sqDelta(x[i * d + q]!, x[j * d + q]!, categorical[q] === 1);
        const kv = scale * matern52(r2);
        c[i * n + j] = kv;
        c[j * n + i] = kv;
      }
      c[i * n + i] = scale + noise;
    }
    this.l = new Float64Array(n * n);
    if (cholesky(c, n, this.l) < 0) throw new Error(`GP: the ${n}x${n} covariance matrix is not positive definite`);
    this.alpha = new Float64Array(n);
    solveLower(this.l, n, y, this.alpha);
    solveUpperT(this.l, n, this.alpha, this.alpha);
    this.k = new Float64Array(n);
    this.v = new Float64Array(n);
    this.dk = new Float64Array(n);
    this.anyCategorical = categorical.some((c) => c === 1);
  }

  /** Fills k(z) and, when withGrad, dk = 2 s M'(r²); returns nothing (scratch buffers). */
  private kernelRow(z: Float64Array, withGrad: boolean): void {
    const { x, n, d, categorical, k, dk } = this;
    const { ils, scale } = this.params;
    const anyCategorical = this.anyCategorical;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const o = i * d;
      if (anyCategorical) {
        for (let q = 0; q < d; q++) r2 += ils[q]! * sqDelta(x[o + q]!, z[q]!, categorical[q] === 1);
      } else {
        for (let q = 0; q < d; q++) {
          const t = x[o + q]! - z[q]!;
          r2 += ils[q]! * t * t;
        }
      }
      // Matérn-5/2 and its derivative share one exp (kernel.ts has the formulas).
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      k[i] = scale * (1 + SQRT5 * r + (5 / 3) * r2) * e;
      if (withGrad) dk[i] = 2 * scale * (-5 / 6) * (1 + SQRT5 * r) * e;
    }
  }

  /** Posterior mean and variance at z: [d] (into this.mean, this.variance). */
  predict(z: Float64Array): void {
    this.kernelRow(z, false);
    let mean = 0;
    for (let i = 0; i < this.n; i++) mean += this.k[i]! * this.alpha[i]!;
    solveLower(this.l, this.n, this.k, this.v);
    let q = 0;
    for (let i = 0; i < this.n; i++) q += this.v[i]! * this.v[i]!;
    this.mean = mean;
    this.variance = Math.max(this.params.scale - q, 0);
  }

  /**
   * Mean and variance at z plus their gradients in z: dMean, dVar: [d] (zero on categorical
   * dimensions, whose Hamming distance has no derivative).
   */
  predictGrad(z: Float64Array, dMean: Float64Array, dVar: Float64Array): void {
    const { x, n, d, categorical, k, v, dk, alpha } = this;
    const ils = this.params.ils;
    this.kernelRow(z, true);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += k[i]! * alpha[i]!;
    solveLower(this.l, n, k, v);
    let q = 0;
    for (let i = 0; i < n; i++) q += v[i]! * v[i]!;
    solveUpperT(this.l, n, v, v); // v = C⁻¹ k
    dMean.fill(0, 0, d);
    dVar.fill(0, 0, d);
    for (let i = 0; i < n; i++) {
      const a = dk[i]! * alpha[i]!;
      const b = -2 * dk[i]! * v[i]!;
      const o = i * d;
      for (let j = 0; j < d; j++) {
        if (categorical[j] === 1) continue;
        const diff = z[j]! - x[o + j]!;
        dMean[j] = dMean[j]! + a * diff;
        dVar[j] = dVar[j]! + b * diff;
      }
    }
    for (let j = 0; j < d; j++) {
      dMean[j] = dMean[j]! * ils[j]!;
      dVar[j] = dVar[j]! * ils[j]!;
    }
    this.mean = mean;
    const variance = this.params.scale - q;
    this.variance = Math.max(variance, 0);
    if (variance <= 0) dVar.fill(0, 0, d);
  }
}
