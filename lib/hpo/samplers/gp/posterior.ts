import { choleskyRows, dot, lowerInverseRows, solveLower, solveUpperT } from './linalg';
import type { KernelParams } from './prior';

/** Candidates scored together by `predictMany`: their kernel rows (BLOCK × n) stay in L1 while each row of L⁻¹ is reused. */
const BLOCK = 8;

/**
 * The GP posterior of the latent function at new points, for fixed kernel parameters:
 *   mean(z) = k(z)ᵀ C⁻¹ y,  var(z) = s − |L⁻¹ k(z)|²,  C = K + noise·I = L Lᵀ.
 * C is factored once and L⁻¹ kept, so a prediction is a kernel row plus one triangular
 * matrix-vector product of independent dot products: O(n·d + n²/2), nothing allocated.
 * `extend` appends points (pending trials at believed values) by adding rows to L and L⁻¹
 * in O(n²) per point instead of refactoring; the bits are those of a fresh factorisation.
 */
export class GpPosterior {
  /** Points in the model. */
  n: number;
  /** Training inputs [n, d] (grows with `extend`). */
  x: Float64Array;
  /** Standardised targets [n] (grows with `extend`). */
  y: Float64Array;
  private stride: number;
  private c: Float64Array; // [n, stride] lower triangle of C
  private l: Float64Array; // [n, stride] Cholesky factor of C
  private linv: Float64Array; // [n, stride] L⁻¹
  private alpha: Float64Array; // [n] C⁻¹ y
  private xs: Float64Array; // [n, d] inputs scaled by √ils on numeric dimensions
  private readonly sqrtIls: Float64Array; // [d]
  private readonly numeric: Int32Array;
  private readonly cats: Int32Array;
  private k: Float64Array; // [n] scratch: k(z)
  private v: Float64Array; // [n] scratch: L⁻¹ k(z), then C⁻¹ k(z)
  private dk: Float64Array; // [n] scratch: 2 s M'(r²)
  private readonly zs: Float64Array; // [d] scratch: z scaled
  private kb: Float64Array; // [BLOCK, n] scratch of predictMany
  private readonly qb = new Float64Array(BLOCK); // scratch of predictMany
  private jitter = 0; // added to C's diagonal when it is numerically singular (many equal points)
  /** Mean of the last `predict`/`predictGrad`. */
  mean = 0;
  /** Variance (latent, without noise) of the last `predict`/`predictGrad`. */
  variance = 0;

  /**
   * @param x training inputs [n, d]
   * @param y standardised targets [n]
   * @param categorical [d]: 1 where categorical
   * @param capacity rows to reserve for `extend` @default n
   * @throws when C is not positive definite even with jitter (up to 1e-4 of its diagonal)
   */
  constructor(
    x: Float64Array,
    y: Float64Array,
    n: number,
    readonly d: number,
    readonly categorical: Uint8Array,
    readonly params: KernelParams,
    capacity = n,
  ) {
    if (x.length < n * d || y.length < n) throw new Error(`GpPosterior: x has ${x.length} and y ${y.length} entries, need [${n}, ${d}] and [${n}]`);
    this.n = 0;
    this.stride = Math.max(capacity, n, 1);
    this.x = new Float64Array(this.stride * d);
    this.y = new Float64Array(this.stride);
    this.c = new Float64Array(this.stride * this.stride);
    this.l = new Float64Array(this.stride * this.stride);
    this.linv = new Float64Array(this.stride * this.stride);
    this.alpha = new Float64Array(this.stride);
    this.xs = new Float64Array(this.stride * d);
    this.k = new Float64Array(this.stride);
    this.v = new Float64Array(this.stride);
    this.dk = new Float64Array(this.stride);
    this.kb = new Float64Array(BLOCK * this.stride);
    this.zs = new Float64Array(d);
    this.sqrtIls = Float64Array.from(params.ils, Math.sqrt);
    const num: number[] = [];
    const cats: number[] = [];
    for (let j = 0; j < d; j++) (categorical[j] === 1 ? cats : num).push(j);
    this.numeric = Int32Array.from(num);
    this.cats = Int32Array.from(cats);
    this.extend(x, y, n);
  }

  /** Appends m points x: [m, d] with targets y: [m] (rows of L and L⁻¹ added; α recomputed). @throws when C is not positive definite */
  extend(x: Float64Array, y: Float64Array, m: number): void {
    const { d, params } = this;
    const from = this.n;
    const n = from + m;
    if (n > this.stride) this.grow(n);
    const { stride, c, xs, sqrtIls } = this;
    this.x.set(x.subarray(0, m * d), from * d);
    this.y.set(y.subarray(0, m), from);
    for (let i = from; i < n; i++) {
      for (let j = 0; j < d; j++) xs[i * d + j] = this.categorical[j] === 1 ? this.x[i * d + j]! : this.x[i * d + j]! * sqrtIls[j]!;
    }
    for (let i = from; i < n; i++) {
      this.kernelRow(xs, i * d, i, this.k);
      c.set(this.k.subarray(0, i), i * stride);
      c[i * stride + i] = params.scale + params.noise;
    }
    const first = this.factor(n, from);
    lowerInverseRows(this.l, n, stride, this.linv, first);
    this.n = n;
    solveLower(this.l, n, this.y, this.alpha, stride);
    solveUpperT(this.l, n, this.alpha, this.alpha, stride);
  }

  /**
   * Factors rows from..n−1 with the jitter in use; when they fail, refactors every row with the
   * next jitter of cholesky()'s ladder (the diagonal is s + noise everywhere, so a fresh
   * factorisation of all n rows would stop at the same jitter). Returns the first row refactored.
   */
  private factor(n: number, from: number): number {
    const { c, l, stride } = this;
    if (choleskyRows(c, n, stride, l, from, this.jitter)) return from;
    const diag = this.params.scale + this.params.noise;
    for (;;) {
      this.jitter = this.jitter === 0 ? 1e-10 * diag : this.jitter * 10;
      if (this.jitter > 1e-4 * diag) throw new Error(`GP: the ${n}x${n} covariance matrix is not positive definite`);
      if (choleskyRows(c, n, stride, l, 0, this.jitter)) return 0;
    }
  }

  private grow(n: number): void {
    const old = this.stride;
    const stride = Math.max(n, 2 * old);
    const copy = (a: Float64Array, rows: number) => {
      const b = new Float64Array(stride * stride);
      for (let i = 0; i < rows; i++) b.set(a.subarray(i * old, i * old + old), i * stride);
      return b;
    };
    this.c = copy(this.c, this.n);
    this.l = copy(this.l, this.n);
    this.linv = copy(this.linv, this.n);
    const resize = (a: Float64Array, size: number) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.x = resize(this.x, stride * this.d);
    this.xs = resize(this.xs, stride * this.d);
    this.y = resize(this.y, stride);
    this.alpha = new Float64Array(stride);
    this.k = new Float64Array(stride);
    this.v = new Float64Array(stride);
    this.dk = new Float64Array(stride);
    this.kb = new Float64Array(BLOCK * stride);
    this.stride = stride;
  }

  /** Scales z: [d] (at offset zo) like xs. */
  private scale(z: Float64Array, zo: number): void {
    const { zs, sqrtIls } = this;
    for (let j = 0; j < this.d; j++) zs[j] = this.categorical[j] === 1 ? z[zo + j]! : z[zo + j]! * sqrtIls[j]!;
  }

  /** k(z, x_i) for i < count into out (z scaled, at zs[zo..]); with dk, also 2 s M'(r²). */
  private kernelRow(zs: Float64Array, zo: number, count: number, out: Float64Array, dk?: Float64Array, dko = 0): void {
    const { xs, d, numeric, cats } = this;
    const { ils, scale } = this.params;
    const nNum = numeric.length;
    const nCat = cats.length;
    for (let i = 0; i < count; i++) {
      const o = i * d;
      let r2 = 0;
      for (let q = 0; q < nNum; q++) {
        const j = numeric[q]!;
        const t = xs[o + j]! - zs[zo + j]!;
        r2 += t * t;
      }
      for (let q = 0; q < nCat; q++) {
        const j = cats[q]!;
        if (xs[o + j] !== zs[zo + j]) r2 += ils[j]!;
      }
      // Matérn-5/2 and its derivative share one exp (kernel.ts has the formulas).
      const r = Math.sqrt(5 * r2);
      const e = Math.exp(-r);
      out[i] = scale * (1 + r + (5 / 3) * r2) * e;
      if (dk) dk[dko + i] = 2 * scale * (-5 / 6) * (1 + r) * e;
    }
  }

  /** Σ_i (L⁻¹ k)_i² for the kernel row at k[ko..ko+n). */
  private quad(k: Float64Array, ko: number): number {
    const { n, linv, stride } = this;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const t = dot(linv, i * stride, k, ko, i + 1);
      q += t * t;
    }
    return q;
  }

  /** Posterior mean and variance at z: [d] (into this.mean, this.variance). */
  predict(z: Float64Array): void {
    this.scale(z, 0);
    this.kernelRow(this.zs, 0, this.n, this.k);
    this.mean = dot(this.k, 0, this.alpha, 0, this.n);
    this.variance = Math.max(this.params.scale - this.quad(this.k, 0), 0);
  }

  /**
   * Mean and variance of m points z: [m, d] into mean: [m], variance: [m] — `predict` over a batch,
   * BLOCK candidates at a time so that each row of L⁻¹ is read once per block.
   */
  predictMany(z: Float64Array, m: number, mean: Float64Array, variance: Float64Array): void {
    const { n, d, kb, linv, stride, alpha } = this;
    const s = this.params.scale;
    const q = this.qb;
    for (let b0 = 0; b0 < m; b0 += BLOCK) {
      const nb = Math.min(BLOCK, m - b0);
      for (let b = 0; b < nb; b++) {
        this.scale(z, (b0 + b) * d);
        this.kernelRow(this.zs, 0, n, kb.subarray(b * stride, b * stride + n));
        mean[b0 + b] = dot(kb, b * stride, alpha, 0, n);
      }
      q.fill(0);
      for (let i = 0; i < n; i++) {
        const ri = i * stride;
        for (let b = 0; b < nb; b++) {
          const t = dot(linv, ri, kb, b * stride, i + 1);
          q[b] = q[b]! + t * t;
        }
      }
      for (let b = 0; b < nb; b++) variance[b0 + b] = Math.max(s - q[b]!, 0);
    }
  }

  /**
   * Mean and variance at z plus their gradients in z: dMean, dVar: [d] (zero on categorical
   * dimensions, whose Hamming distance has no derivative).
   */
  predictGrad(z: Float64Array, dMean: Float64Array, dVar: Float64Array): void {
    const { x, n, d, k, v, dk, alpha, linv, stride, numeric } = this;
    const ils = this.params.ils;
    this.scale(z, 0);
    this.kernelRow(this.zs, 0, n, k, dk, 0);
    const mean = dot(k, 0, alpha, 0, n);
    let q = 0;
    for (let i = 0; i < n; i++) {
      const t = dot(linv, i * stride, k, 0, i + 1);
      v[i] = t;
      q += t * t;
    }
    // C⁻¹ k = L⁻ᵀ (L⁻¹ k) as row-contiguous axpys of L⁻¹'s rows, into k's buffer (k is used up).
    const u = k;
    u.fill(0, 0, n);
    for (let i = 0; i < n; i++) {
      const a = v[i]!;
      const ri = i * stride;
      for (let j = 0; j <= i; j++) u[j] = u[j]! + a * linv[ri + j]!;
    }
    dMean.fill(0, 0, d);
    dVar.fill(0, 0, d);
    const nNum = numeric.length;
    for (let i = 0; i < n; i++) {
      const a = dk[i]! * alpha[i]!;
      const b = -2 * dk[i]! * u[i]!;
      const o = i * d;
      for (let p = 0; p < nNum; p++) {
        const j = numeric[p]!;
        const diff = z[j]! - x[o + j]!;
        dMean[j] = dMean[j]! + a * diff;
        dVar[j] = dVar[j]! + b * diff;
      }
    }
    for (let p = 0; p < nNum; p++) {
      const j = numeric[p]!;
      dMean[j] = dMean[j]! * ils[j]!;
      dVar[j] = dVar[j]! * ils[j]!;
    }
    this.mean = mean;
    const variance = this.params.scale - q;
    this.variance = Math.max(variance, 0);
    if (variance <= 0) dVar.fill(0, 0, d);
  }
}
