import type { Rng } from '../../rng';
import { LOG_SQRT_2PI, normalMass } from './normal';

/** One dimension of the estimator: a numeric interval (modelling space) or a categorical with k choices. */
export type ParzenDim =
  | { readonly kind: 'numeric'; readonly lo: number; readonly hi: number; /** Narrowest kernel width (about one grid step for discrete domains). */ readonly minWidth: number }
  | { readonly kind: 'categorical'; readonly k: number };

/** How the estimator is built. */
export interface ParzenOptions {
  /** Weight of the prior component (uniform-ish over the domain). @default 1 */
  readonly priorWeight: number;
  /** Kernel widths: "neighbours" (univariate TPE, gap to the nearest observations) or "scott" (multivariate, one width per dimension). */
  readonly bandwidth: 'neighbours' | 'scott';
  /** Lower bound of a kernel width as a fraction of the range: range / min(100, 1 + n). */
  readonly magicClip: boolean;
  /** Multiplies every observation kernel's width (before clipping). @default 1 */
  readonly widthFactor?: number;
}

/** Numeric kernels of one dimension: centres, widths and the log normaliser of each truncated normal. */
interface NumericKernels {
  readonly kind: 'numeric';
  readonly lo: number;
  readonly hi: number;
  readonly mu: Float64Array; // [components]
  readonly sigma: Float64Array; // [components]
  readonly logNorm: Float64Array; // [components]: log(sigma * sqrt(2π) * mass inside [lo, hi])
}

/** Categorical kernels: row-major probabilities [components, k] and their logs. */
interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly k: number;
  readonly prob: Float64Array; // [components, k]
  readonly logProb: Float64Array; // [components, k]
}

/**
 * A Parzen estimator (Bergstra et al. 2011): a weighted mixture with one kernel per observation
 * plus a prior kernel (last component), a product of per-dimension kernels when multivariate.
 * Numeric kernels are normals truncated to the domain; categorical kernels put extra mass on
 * the observed choice. Everything lives in flat typed arrays: nothing is allocated per candidate.
 */
export class ParzenEstimator {
  /** Number of components (observations + prior). */
  readonly size: number;
  private readonly logWeight: Float64Array;
  private readonly weight: Float64Array;
  private readonly dims: (NumericKernels | CategoricalKernels)[];

  /**
   * @param dims the dimensions
   * @param obs per dimension, the observed values (modelling space, or choice index), each [n]
   * @param obsWeight the weight of every observation [n] (recent trials weigh more)
   */
  constructor(dims: readonly ParzenDim[], obs: readonly Float64Array[], obsWeight: Float64Array, opts: ParzenOptions) {
    const n = obsWeight.length;
    this.size = n + 1;
    this.weight = new Float64Array(n + 1);
    let total = opts.priorWeight;
    for (let i = 0; i < n; i++) total += obsWeight[i]!;
    for (let i = 0; i < n; i++) this.weight[i] = obsWeight[i]! / total;
    this.weight[n] = opts.priorWeight / total;
    this.logWeight = this.weight.map(Math.log);
    this.dims = dims.map((d, j) => (d.kind === 'numeric' ? numericKernels(d.lo, d.hi, d.minWidth, obs[j]!, dims.length, opts) : categoricalKernels(d.k, obs[j]!, opts.priorWeight)));
  }

  /** Draws `count` points: out[d][i] is dimension d of point i (choice index for categoricals). */
  sample(rng: Rng, count: number): Float64Array[] {
    const out = this.dims.map(() => new Float64Array(count));
    for (let i = 0; i < count; i++) {
      const c = rng.categorical(this.weight);
      for (let d = 0; d < this.dims.length; d++) {
        const dim = this.dims[d]!;
        out[d]![i] = dim.kind === 'numeric' ? truncatedNormal(rng, dim.mu[c]!, dim.sigma[c]!, dim.lo, dim.hi) : categoricalRow(rng, dim.prob, c, dim.k);
      }
    }
    return out;
  }

  /** log density of each point: points[d][i] as returned by sample; result [count]. */
  logPdf(points: readonly Float64Array[], count: number): Float64Array {
    const m = this.size;
    const { numIdx, catIdx, mu, invSigma, base } = this.packed();
    const dn = numIdx.length;
    const xi = new Float64Array(dn);
    const row = new Float64Array(m);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      for (let d = 0; d < dn; d++) xi[d] = points[numIdx[d]!]![i]!;
      let max = -Infinity;
      for (let c = 0; c < m; c++) {
        let acc = base[c]!;
        const o = c * dn;
        for (let d = 0; d < dn; d++) {
          const z = (xi[d]! - mu[o + d]!) * invSigma[o + d]!;
          acc -= 0.5 * z * z;
        }
        for (let j = 0; j < catIdx.length; j++) {
          const dim = this.dims[catIdx[j]!] as CategoricalKernels;
          acc += dim.logProb[c * dim.k + points[catIdx[j]!]![i]!]!;
        }
        row[c] = acc;
        if (acc > max) max = acc;
      }
      if (max === -Infinity) {
        out[i] = -Infinity;
        continue;
      }
      // Terms more than e^-40 below the largest change the sum by < 1e-17: skip their exp.
      let sum = 0;
      const cut = max - 40;
      for (let c = 0; c < m; c++) {
        const v = row[c]!;
        if (v > cut) sum += Math.exp(v - max);
      }
      out[i] = max + Math.log(sum);
    }
    return out;
  }

  private cache: { numIdx: number[]; catIdx: number[]; mu: Float64Array; invSigma: Float64Array; base: Float64Array } | undefined;

  /**
   * Numeric kernels interleaved per component ([components, numericDims]) with 1/sigma, and
   * per component the constant log weight − Σ log normaliser, so the density loop is one pass.
   */
  private packed() {
    if (this.cache) return this.cache;
    const m = this.size;
    const numIdx: number[] = [];
    const catIdx: number[] = [];
    this.dims.forEach((d, j) => (d.kind === 'numeric' ? numIdx : catIdx).push(j));
    const dn = numIdx.length;
    const mu = new Float64Array(m * dn);
    const invSigma = new Float64Array(m * dn);
    const base = Float64Array.from(this.logWeight);
    for (let d = 0; d < dn; d++) {
      const k = this.dims[numIdx[d]!] as NumericKernels;
      for (let c = 0; c < m; c++) {
        mu[c * dn + d] = k.mu[c]!;
        invSigma[c * dn + d] = 1 / k.sigma[c]!;
        base[c] = base[c]! - k.logNorm[c]!;
      }
    }
    this.cache = { numIdx, catIdx, mu, invSigma, base };
    return this.cache;
  }
}

/** Kernel widths and normalisers for one numeric dimension; the prior sits at the centre with the full range as width. */
function numericKernels(lo: number, hi: number, minWidth: number, obs: Float64Array, nDims: number, opts: ParzenOptions): NumericKernels {
  const n = obs.length;
  const m = n + 1;
  const range = hi - lo || 1;
  const mu = new Float64Array(m);
  mu.set(obs);
  mu[n] = 0.5 * (lo + hi);
  const sigma = opts.bandwidth === 'scott' ? scottWidths(n, nDims, range) : neighbourWidths(mu, lo, hi);
  const minSigma = Math.max(minWidth, opts.magicClip ? range / Math.min(100, 1 + m) : 0);
  const f = opts.widthFactor ?? 1;
  for (let c = 0; c < n; c++) sigma[c] = Math.min(Math.max(f * sigma[c]!, minSigma), range);
  sigma[n] = range;
  const logNorm = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const s = sigma[c]!;
    const mass = normalMass((lo - mu[c]!) / s, (hi - mu[c]!) / s);
    logNorm[c] = Math.log(s) + LOG_SQRT_2PI + Math.log(Math.max(mass, 1e-300));
  }
  return { kind: 'numeric', lo, hi, mu, sigma, logNorm };
}

/** Scott-like rule of multivariate TPE: 0.2 · n^(-1/(d+4)) · range for every observation. */
function scottWidths(n: number, nDims: number, range: number): Float64Array {
  const s = 0.2 * Math.pow(Math.max(n, 1), -1 / (nDims + 4)) * range;
  return new Float64Array(n + 1).fill(s);
}

/**
 * Univariate TPE widths: the larger gap to the sorted neighbours (the prior centre included);
 * the outermost kernels use their inner gap only (the endpoints are not neighbours). Ranks come
 * from a native typed-array sort and a binary search, not a comparator sort.
 */
function neighbourWidths(mu: Float64Array, lo: number, hi: number): Float64Array {
  const m = mu.length;
  const sigma = new Float64Array(m);
  if (m === 1) {
    sigma[0] = hi - lo;
    return sigma;
  }
  const sorted = Float64Array.from(mu).sort();
  for (let c = 0; c < m; c++) {
    const x = mu[c]!;
    let a = 0;
    let b = m - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (sorted[mid]! < x) a = mid + 1;
      else b = mid;
    }
    const left = a > 0 ? x - sorted[a - 1]! : 0;
    const right = a < m - 1 ? sorted[a + 1]! - x : 0;
    sigma[c] = a === 0 ? right : a === m - 1 ? left : Math.max(left, right);
  }
  return sigma;
}

/** Rows of categorical kernels: each observation puts 1 on its choice plus priorWeight/k everywhere; the prior row is uniform. */
function categoricalKernels(k: number, obs: Float64Array, priorWeight: number): CategoricalKernels {
  const n = obs.length;
  const m = n + 1;
  const prob = new Float64Array(m * k);
  for (let c = 0; c < n; c++) {
    const base = priorWeight / k;
    const total = priorWeight + 1;
    for (let j = 0; j < k; j++) prob[c * k + j] = base / total;
    prob[c * k + obs[c]!] = prob[c * k + obs[c]!]! + 1 / total;
  }
  for (let j = 0; j < k; j++) prob[n * k + j] = 1 / k;
  return { kind: 'categorical', k, prob, logProb: prob.map(Math.log) };
}

/** A normal draw truncated to [lo, hi] by rejection (the centre is inside, so acceptance is high). */
function truncatedNormal(rng: Rng, mu: number, sigma: number, lo: number, hi: number): number {
  if (lo === hi) return lo;
  for (let tries = 0; tries < 100; tries++) {
    const x = mu + sigma * rng.normal();
    if (x >= lo && x <= hi) return x;
  }
  return rng.uniform(lo, hi);
}

function categoricalRow(rng: Rng, prob: Float64Array, c: number, k: number): number {
  let u = rng.next();
  for (let j = 0; j < k; j++) {
    u -= prob[c * k + j]!;
    if (u < 0) return j;
  }
  return k - 1;
}
