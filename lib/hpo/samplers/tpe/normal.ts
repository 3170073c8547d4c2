/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const SQRT1_2 = Math.SQRT1_2;

/** P(a < Z < b) for a standard normal Z, computed on the tail that avoids cancellation. */
export function normalMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a * SQRT1_2) - erfc(b * SQRT1_2));
  if (b <= 0) return 0.5 * (erfc(-b * SQRT1_2) - erfc(-a * SQRT1_2));
  return 1 - 0.5 * erfc(-a * SQRT1_2) - 0.5 * erfc(b * SQRT1_2);
}

/** log(sqrt(2π)). */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
