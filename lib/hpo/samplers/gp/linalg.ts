// Dense symmetric positive-definite algebra for the GP on flat row-major Float64Arrays.
// Matrices are n×n with a row stride (a[i * stride + j], stride ≥ n, so a factor can grow by rows
// in place); only the lower triangle of a Cholesky factor or of an inverse is written.
// Every inner loop is a contiguous dot product (`dot`): four independent partial sums keep the
// CPU's multiply-add units busy, and rows of L are walked in memory order. Each routine works
// row by row, and row i depends only on rows < i, so factoring n + m rows at once or n rows and
// then m more gives the same bits (the GP's proposals must not depend on how a factor was built).

/** Σ_{k<len} a[ao+k]·b[bo+k] with four partial sums (fixed order, so the result is reproducible). */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
    s2 += a[ao + k + 2]! * b[bo + k + 2]!;
    s3 += a[ao + k + 3]! * b[bo + k + 3]!;
  }
  for (; k < len; k++) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Rows from..n−1 of the Cholesky factor L of a (a = L Lᵀ; row-oriented, Cholesky–Banachiewicz),
 * with `jitter` added to the diagonal; rows < from must already hold L. Reads the lower triangle
 * of a only. False when a is not numerically positive definite.
 * @param a [n, stride]; l [n, stride]
 */
export function choleskyRows(a: Float64Array, n: number, stride: number, l: Float64Array, from: number, jitter: number): boolean {
  for (let i = from; i < n; i++) {
    const ri = i * stride;
    for (let j = 0; j < i; j++) {
      const rj = j * stride;
      l[ri + j] = (a[ri + j]! - dot(l, ri, l, rj, j)) / l[rj + j]!;
    }
    const d = a[ri + i]! + jitter - dot(l, ri, l, ri, i);
    if (!(d > 0)) return false;
    l[ri + i] = Math.sqrt(d);
    l.fill(0, ri + i + 1, ri + stride);
  }
  return true;
}

/**
 * Cholesky factor L of a: [n, n] (a = L Lᵀ), written into l: [n, n]. When a is not numerically
 * positive definite, jitter (1e-10, ×10 each time, up to 1e-4 of the mean diagonal) is added to
 * the diagonal and the factorisation retried; returns the jitter used, or -1 when it still fails.
 */
export function cholesky(a: Float64Array, n: number, l: Float64Array, stride = n): number {
  if (a.length < n * stride || l.length < n * stride) throw new Error(`cholesky: a has ${a.length}, l has ${l.length} entries, need ${n}x${stride}`);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * stride + i]!;
  meanDiag = n > 0 ? meanDiag / n : 1;
  let jitter = 0;
  for (;;) {
    if (choleskyRows(a, n, stride, l, 0, jitter)) return jitter;
    jitter = jitter === 0 ? 1e-10 * Math.max(meanDiag, 1e-300) : jitter * 10;
    if (jitter > 1e-4 * Math.max(meanDiag, 1e-300)) return -1;
  }
}

/**
 * Rows from..n−1 of L⁻¹ (lower triangular) into out, rows < from already there:
 * (L⁻¹)_ij = −(Σ_{j≤k<i} L_ik (L⁻¹)_kj) / L_ii, accumulated as row-contiguous axpys.
 * @param l [n, stride] lower; out [n, stride]
 */
export function lowerInverseRows(l: Float64Array, n: number, stride: number, out: Float64Array, from: number): void {
  for (let i = from; i < n; i++) {
    const ri = i * stride;
    out.fill(0, ri, ri + stride);
    for (let k = 0; k < i; k++) {
      const a = l[ri + k]!;
      if (a === 0) continue;
      const rk = k * stride;
      for (let j = 0; j <= k; j++) out[ri + j] = out[ri + j]! + a * out[rk + j]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let j = 0; j < i; j++) out[ri + j] = -out[ri + j]! * inv;
    out[ri + i] = inv;
  }
}

/**
 * The lower triangle (diagonal included) of a⁻¹ for a = L Lᵀ, into inv: [n, n]. work: [n, n]
 * scratch holding U = L⁻ᵀ by rows (U_ji = (L⁻¹)_ij for i ≥ j), so that both steps are dot
 * products of contiguous rows: U_ji = −(Σ_{j≤k<i} L_ik U_jk) / L_ii and (a⁻¹)_ij = Σ_{k≥i} U_ik U_jk.
 */
export function choleskyInverseLower(l: Float64Array, n: number, work: Float64Array, inv: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    work[rj + j] = 1 / l[rj + j]!;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      work[rj + i] = -dot(l, ri + j, work, rj + j, i - j) / l[ri + i]!;
    }
  }
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) inv[ri + j] = dot(work, ri + i, work, j * n + i, n - i);
  }
}

/** The inverse of a = L Lᵀ from its factor: inv: [n, n] (full, symmetric); work: [n, n] scratch. */
export function choleskyInverse(l: Float64Array, n: number, work: Float64Array, inv: Float64Array): void {
  choleskyInverseLower(l, n, work, inv);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j]!;
}

/** Solves L x = b (forward substitution): l: [n, stride] lower, b and out: [n]; out may be b. */
export function solveLower(l: Float64Array, n: number, b: Float64Array, out: Float64Array, stride = n): void {
  for (let i = 0; i < n; i++) {
    const ri = i * stride;
    out[i] = (b[i]! - dot(l, ri, out, 0, i)) / l[ri + i]!;
  }
}

/** Solves Lᵀ x = b (back substitution): l: [n, stride] lower, b and out: [n]; out may be b. */
export function solveUpperT(l: Float64Array, n: number, b: Float64Array, out: Float64Array, stride = n): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * stride + i]! * out[k]!;
    out[i] = s / l[i * stride + i]!;
  }
}

/** log det(a) for a = L Lᵀ: 2 Σ log L_ii. */
export function logDetFromCholesky(l: Float64Array, n: number, stride = n): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * stride + i]!);
  return 2 * s;
}
