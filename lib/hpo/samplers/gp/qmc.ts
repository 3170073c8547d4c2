import type { Rng } from '../../rng';

/**
 * Points of a randomly shifted R_d sequence (Roberts 2018, "The unreasonable effectiveness of
 * quasirandom sequences"): x_i = frac(shift + i·α) with α_j = φ_d^−(j+1), φ_d the root of
 * x^(d+1) = x + 1. Like Optuna's scrambled Sobol candidates, the points cover the cube far more
 * evenly than uniform draws (no clumps, no empty corners), for any d and any count, with no
 * direction-number tables; the random shift (from the ask's seeded rng) makes every ask's set
 * different and keeps it reproducible.
 * @returns [count, d] row-major in [0, 1)
 */
export function shiftedRd(count: number, d: number, rng: Rng): Float64Array {
  let phi = 2;
  // Newton on x^(d+1) − x − 1 from 2 converges in a few steps for every d.
  for (let it = 0; it < 30; it++) phi -= (phi ** (d + 1) - phi - 1) / ((d + 1) * phi ** d - 1);
  const alpha = new Float64Array(d);
  const shift = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    alpha[j] = frac(1 / phi ** (j + 1));
    shift[j] = rng.next();
  }
  const out = new Float64Array(count * d);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = frac(shift[j]! + (i + 1) * alpha[j]!);
  }
  return out;
}

function frac(v: number): number {
  return v - Math.floor(v);
}
