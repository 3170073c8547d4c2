/** How many of n finished trials form the "good" group: ceil(0.1 n), at most 25 (as in Hyperopt/Optuna). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Observation weights in trial-number order: all 1 for fewer than 25 trials, otherwise a ramp
 * from 1/n to 1 over the oldest n-25 and 1 for the newest 25, so old trials fade out.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}
