// The Matérn-5/2 ARD kernel of the GP: k(x, x') = s · M(r²), r² = Σ_d ils_d · δ_d(x, x')², where
// δ_d is x_d − x'_d for numeric dimensions and [x_d ≠ x'_d] (Hamming) for categorical ones
// (choice indices), as in Optuna 5's GPSampler. ils_d = 1 / lengthscale_d².

const SQRT5 = Math.sqrt(5);

/** M(r²) = (1 + √5 r + 5/3 r²) e^(−√5 r) with r = √r². */
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/** dM/d(r²) = −5/6 (1 + √5 r) e^(−√5 r): finite at r = 0, unlike dM/dr divided by 2r. */
export function matern52Grad(r2: number): number {
  const r = Math.sqrt(r2);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** δ_d(a, b)² of one dimension: squared difference, or 0/1 for a categorical dimension. */
export function sqDelta(a: number, b: number, categorical: boolean): number {
  if (categorical) return a === b ? 0 : 1;
  const t = a - b;
  return t * t;
}

/**
 * Per-pair, per-dimension squared distances of the training points, fixed while the kernel's
 * hyperparameters are fitted: x: [n, d] row-major; returns [n(n−1)/2, d] over pairs i > j in
 * the order (1,0), (2,0), (2,1), (3,0), ...
 */
export function pairSqDeltas(x: Float64Array, n: number, d: number, categorical: Uint8Array): Float64Array {
  if (x.length < n * d) throw new Error(`pairSqDeltas: x has ${x.length} entries, need [${n}, ${d}]`);
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let p = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let k = 0; k < d; k++) out[p * d + k] = sqDelta(x[i * d + k]!, x[j * d + k]!, categorical[k] === 1);
      p++;
    }
  }
  return out;
}

/** r² between row i of x: [n, d] and the point z: [d] under inverse squared lengthscales ils: [d]. */
export function rowSqDist(x: Float64Array, i: number, z: Float64Array, d: number, ils: Float64Array, categorical: Uint8Array): number {
  let r2 = 0;
  const o = i * d;
  for (let k = 0; k < d; k++) r2 += ils[k]! * sqDelta(x[o + k]!, z[k]!, categorical[k] === 1);
  return r2;
}
