// Log expected improvement (Ament et al. 2023, "Unexpected improvements to expected improvement"):
// EI(x) = σ h(z), h(z) = φ(z) + z Φ(z), z = (μ − best) / σ for maximisation. Plain EI underflows
// to 0 far from the incumbent and its gradient vanishes; log h stays finite and smooth for any z,
// so the acquisition optimiser keeps a signal everywhere.

const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The scaled complementary error function erfcx(x) = e^(x²) erfc(x) for x ≥ 0, from the Chebyshev
 * fit of Numerical Recipes (relative error < 1.2e-7), which is erfc without its e^(−x²) factor.
 */
export function erfcx(x: number): number {
  if (x < 0) throw new Error(`erfcx: defined here for x >= 0, got ${x}`);
  const t = 1 / (1 + 0.5 * x);
  return (
    t *
    Math.exp(
      -1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  );
}

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  const t = -z * Math.SQRT1_2;
  return t >= 0 ? 0.5 * erfcx(t) * Math.exp(-t * t) : 1 - 0.5 * erfcx(-t) * Math.exp(-t * t);
}

/** 1 + z m(z) with m = Φ/φ (the Mills ratio), for z < −1: direct, or its asymptotic series far out where it cancels. */
function onePlusZm(z: number, m: number): number {
  if (z > -10) return 1 + z * m;
  const u = 1 / (z * z);
  // 1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸ + 945/z¹⁰: truncation error < 1e-6 relative at z = −10.
  return u * (1 - u * (3 - u * (15 - u * (105 - u * 945))));
}

/** log h(z) = log(φ(z) + z Φ(z)), accurate for every z (h > 0 always). */
export function logH(z: number): number {
  if (z >= -1) {
    const phi = Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
    return Math.log(phi + z * normalCdf(z));
  }
  const m = SQRT_HALF_PI * erfcx(-z * Math.SQRT1_2);
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(onePlusZm(z, m));
}

/** d log h / dz = Φ(z) / h(z). */
export function dLogH(z: number): number {
  if (z >= -1) {
    const phi = Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
    const cdf = normalCdf(z);
    return cdf / (phi + z * cdf);
  }
  const m = SQRT_HALF_PI * erfcx(-z * Math.SQRT1_2);
  return m / onePlusZm(z, m);
}

/** log EI at a posterior (mean, variance) against the incumbent `best` (maximisation). */
export function logEi(mean: number, variance: number, best: number): number {
  const sigma = Math.sqrt(Math.max(variance, 1e-300));
  return Math.log(sigma) + logH((mean - best) / sigma);
}

/**
 * Partial derivatives of log EI with respect to the mean and the variance, written into
 * out[0] = ∂/∂mean and out[1] = ∂/∂variance; returns log EI.
 */
export function logEiPartials(mean: number, variance: number, best: number, out: Float64Array): number {
  const v = Math.max(variance, 1e-300);
  const sigma = Math.sqrt(v);
  const z = (mean - best) / sigma;
  const g = dLogH(z);
  out[0] = g / sigma;
  // ∂/∂σ = 1/σ − g z/σ, and ∂σ/∂v = 1/(2σ).
  out[1] = (1 / sigma - (g * z) / sigma) / (2 * sigma);
  return Math.log(sigma) + logH(z);
}
