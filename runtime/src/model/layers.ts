/**
 * Reference layer kernels in plain JavaScript on row-major flat arrays (`x: [rows, features]`).
 * They are the readable definition the fast WebAssembly kernels are tested against; each backward
 * sits beside its forward. Parameters are read from (and gradients written to) flat arrays at offsets.
 */
import type { FloatArray } from '../data/types';

/** BatchNorm1d's epsilon. */
export const BN_EPS = 1e-5;
/** BatchNorm1d's running-statistics momentum. */
export const BN_MOMENTUM = 0.1;

/** y[n, b] = x[n, a] · W[b, a]ᵀ + bias[b]; W at `p[w..]`, bias at `p[bias..]`. */
export function linearForward(x: FloatArray, n: number, a: number, b: number, p: FloatArray, w: number, bias: number, y: FloatArray): void {
  for (let r = 0; r < n; r++) {
    const xo = r * a;
    const yo = r * b;
    for (let j = 0; j < b; j++) {
      let s = p[bias + j];
      const wo = w + j * a;
      for (let i = 0; i < a; i++) s += p[wo + i] * x[xo + i];
      y[yo + j] = s;
    }
  }
}

/**
 * Gradients of linearForward: dW[b, a] = dyᵀ·x and dbias[b] = Σ dy written into `g` at the weight and
 * bias offsets; dx[n, a] = dy·W when `dx` is given.
 */
export function linearBackward(
  x: FloatArray, dy: FloatArray, n: number, a: number, b: number,
  p: FloatArray, w: number, bias: number, g: FloatArray, dx: FloatArray | undefined,
): void {
  g.fill(0, w, w + a * b);
  g.fill(0, bias, bias + b);
  for (let r = 0; r < n; r++) {
    const xo = r * a;
    const yo = r * b;
    for (let j = 0; j < b; j++) {
      const d = dy[yo + j];
      g[bias + j] += d;
      const wo = w + j * a;
      for (let i = 0; i < a; i++) g[wo + i] += d * x[xo + i];
    }
  }
  if (!dx) return;
  for (let r = 0; r < n; r++) {
    const xo = r * a;
    const yo = r * b;
    for (let i = 0; i < a; i++) {
      let s = 0;
      for (let j = 0; j < b; j++) s += dy[yo + j] * p[w + j * a + i];
      dx[xo + i] = s;
    }
  }
}

/**
 * BatchNorm1d in training mode over x[n, a]: normalises with the batch mean and biased variance,
 * saves x̂ and 1/σ for the backward pass, and updates the running mean and (unbiased) variance with
 * momentum 0.1, as PyTorch does.
 */
export function batchNormForwardTrain(
  x: FloatArray, n: number, a: number, p: FloatArray, gamma: number, beta: number,
  stats: FloatArray, runningMean: number, runningVar: number,
  y: FloatArray, xhat: FloatArray, invstd: Float64Array,
): void {
  for (let i = 0; i < a; i++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += x[r * a + i];
    const mean = s / n;
    let m2 = 0;
    for (let r = 0; r < n; r++) {
      const d = x[r * a + i] - mean;
      m2 += d * d;
    }
    const inv = 1 / Math.sqrt(m2 / n + BN_EPS);
    invstd[i] = inv;
    const g = p[gamma + i];
    const bt = p[beta + i];
    for (let r = 0; r < n; r++) {
      const h = (x[r * a + i] - mean) * inv;
      xhat[r * a + i] = h;
      y[r * a + i] = g * h + bt;
    }
    stats[runningMean + i] = (1 - BN_MOMENTUM) * stats[runningMean + i] + BN_MOMENTUM * mean;
    const unbiased = n > 1 ? m2 / (n - 1) : m2;
    stats[runningVar + i] = (1 - BN_MOMENTUM) * stats[runningVar + i] + BN_MOMENTUM * unbiased;
  }
}

/** BatchNorm1d in evaluation mode: normalises with the running statistics. */
export function batchNormForwardEval(
  x: FloatArray, n: number, a: number, p: FloatArray, gamma: number, beta: number,
  stats: FloatArray, runningMean: number, runningVar: number, y: FloatArray,
): void {
  for (let i = 0; i < a; i++) {
    const inv = 1 / Math.sqrt(stats[runningVar + i] + BN_EPS);
    const mean = stats[runningMean + i];
    const g = p[gamma + i];
    const bt = p[beta + i];
    for (let r = 0; r < n; r++) y[r * a + i] = g * (x[r * a + i] - mean) * inv + bt;
  }
}

/**
 * Gradients of batchNormForwardTrain: dgamma = Σ dy·x̂, dbeta = Σ dy into `g`, and
 * dx = γ/σ/n · (n·dy − Σdy − x̂·Σ dy·x̂).
 */
export function batchNormBackward(
  dy: FloatArray, xhat: FloatArray, invstd: Float64Array, n: number, a: number,
  p: FloatArray, gamma: number, g: FloatArray, beta: number, dx: FloatArray | undefined,
): void {
  for (let i = 0; i < a; i++) {
    let sdy = 0;
    let sdyx = 0;
    for (let r = 0; r < n; r++) {
      sdy += dy[r * a + i];
      sdyx += dy[r * a + i] * xhat[r * a + i];
    }
    g[gamma + i] = sdyx;
    g[beta + i] = sdy;
    if (!dx) continue;
    const k = (p[gamma + i] * invstd[i]) / n;
    for (let r = 0; r < n; r++) dx[r * a + i] = k * (n * dy[r * a + i] - sdy - xhat[r * a + i] * sdyx);
  }
}

/** y = max(x, 0), NaN passing through as in PyTorch. */
export function reluForward(x: FloatArray, len: number, y: FloatArray): void {
  for (let k = 0; k < len; k++) y[k] = x[k] < 0 ? 0 : x[k];
}

/** dx = dy where the ReLU's output y was positive, else 0 (in place when dx === dy). */
export function reluBackward(dy: FloatArray, y: FloatArray, len: number, dx: FloatArray): void {
  for (let k = 0; k < len; k++) dx[k] = y[k] > 0 ? dy[k] : 0;
}

/** Mean squared error over n predictions; returns the sum of squared errors (the mean is sse / n). */
export function mseForward(yhat: FloatArray, y: FloatArray, n: number): number {
  let sse = 0;
  for (let r = 0; r < n; r++) {
    const d = yhat[r] - y[r];
    sse += d * d;
  }
  return sse;
}

/** d(mean squared error)/d yhat = 2 (yhat − y) / n. */
export function mseBackward(yhat: FloatArray, y: FloatArray, n: number, dyhat: FloatArray): void {
  const k = 2 / n;
  for (let r = 0; r < n; r++) dyhat[r] = k * (yhat[r] - y[r]);
}
