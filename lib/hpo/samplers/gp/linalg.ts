// Dense symmetric positive-definite algebra for the GP on flat row-major Float64Arrays.
// Matrices are n×n, row-major (a[i * n + j]); only the lower triangle of a Cholesky factor is
// meaningful (the upper triangle is left as zeros).

/**
 * Cholesky factor L of a: [n, n] (a = L Lᵀ), written into l: [n, n]. When a is not numerically
 * positive definite, jitter (1e-10, ×10 each time, up to 1e-4 of the mean diagonal) is added to
 * the diagonal and the factorisation retried; returns the jitter used, or -1 when it still fails.
 */
export function cholesky(a: Float64Array, n: number, l: Float64Array): number {
  if (a.length < n * n || l.length < n * n) throw new Error(`cholesky: a has ${a.length}, l has ${l.length} entries, need ${n}x${n}`);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * n + i]!;
  meanDiag = n > 0 ? meanDiag / n : 1;
  let jitter = 0;
  for (;;) {
    if (tryCholesky(a, n, l, jitter)) return jitter;
    jitter = jitter === 0 ? 1e-10 * Math.max(meanDiag, 1e-300) : jitter * 10;
    if (jitter > 1e-4 * Math.max(meanDiag, 1e-300)) return -1;
  }
}

function tryCholesky(a: Float64Array, n: number, l: Float64Array, jitter: number): boolean {
  l.fill(0, 0, n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]! + jitter;
    for (let k = 0; k < j; k++) d -= l[rj + k]! * l[rj + k]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      l[ri + j] = s * inv;
    }
  }
  return true;
}

/** Solves L x = b (forward substitution): l: [n, n] lower, b and out: [n]; out may be b. */
export function solveLower(l: Float64Array, n: number, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * out[k]!;
    out[i] = s / l[ri + i]!;
  }
}

/** Solves Lᵀ x = b (back substitution): l: [n, n] lower, b and out: [n]; out may be b. */
export function solveUpperT(l: Float64Array, n: number, b: Float64Array, out: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * out[k]!;
    out[i] = s / l[i * n + i]!;
  }
}

/**
 * The inverse of a = L Lᵀ from its factor: inv: [n, n] (full, symmetric). work: [n, n] scratch
 * holding L⁻¹ (lower), then a⁻¹ = L⁻ᵀ L⁻¹.
 */
export function choleskyInverse(l: Float64Array, n: number, work: Float64Array, inv: Float64Array): void {
  work.fill(0, 0, n * n);
  // Row i of L⁻¹: r_j = −(1/L_ii) Σ_{k<i} L_ik (L⁻¹)_kj, accumulated as row-contiguous axpys.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const a = l[ri + k]!;
      if (a === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) work[ri + j] = work[ri + j]! + a * work[rk + j]!;
    }
    const inv = -1 / l[ri + i]!;
    for (let j = 0; j < i; j++) work[ri + j] = work[ri + j]! * inv;
    work[ri + i] = 1 / l[ri + i]!;
  }
  // a⁻¹ = L⁻ᵀ L⁻¹ = Σ_k (row k of L⁻¹)ᵀ (row k of L⁻¹): rank-one updates of the lower triangle.
  inv.fill(0, 0, n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const a = work[rk + i]!;
      if (a === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j] = inv[ri + j]! + a * work[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j]!;
}

/** log det(a) for a = L Lᵀ: 2 Σ log L_ii. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}
