import type { DType, FloatArray } from '../data/types';
import { wasmSimdSupported } from '../wasm/support';
import { createAdamWKernel } from './adamw-wasm';
import type { Optimizer } from './optimizer';

/** AdamW's settings; the defaults are PyTorch's (and the book's, which used `torch.optim.AdamW(lr=...)`). */
export interface AdamWOptions {
  readonly lr: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Decoupled weight decay. @default 0.01 */
  readonly weightDecay?: number;
  /** `wasm`: the SIMD kernel (adamw-wasm.ts); `js`: the scalar reference loop. @default 'wasm' when SIMD is available */
  readonly backend?: 'wasm' | 'js';
}

/**
 * AdamW exactly as `torch.optim.AdamW` (non-amsgrad, single-tensor path): p ← p·(1 − lr·wd);
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps).
 * Moments are kept in the parameters' dtype, as PyTorch does. Runs as a WebAssembly SIMD loop where
 * available (adamw-wasm.ts: bit-identical in float64, float32 arithmetic in float32).
 */
export function adamW(numParams: number, dtype: DType, opts: AdamWOptions): Optimizer {
  const lr = opts.lr;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? 0.01;
  const kernel = (opts.backend ?? (wasmSimdSupported() ? 'wasm' : 'js')) === 'wasm' ? createAdamWKernel(dtype, numParams) : undefined;
  const m: FloatArray = dtype === 'float64' ? new Float64Array(kernel ? 0 : numParams) : new Float32Array(kernel ? 0 : numParams);
  const v: FloatArray = dtype === 'float64' ? new Float64Array(kernel ? 0 : numParams) : new Float32Array(kernel ? 0 : numParams);
  let t = 0;
  return {
    name: 'AdamW',
    get steps() {
      return t;
    },
    step(p: FloatArray, g: FloatArray) {
      t++;
      const bc1 = 1 - Math.pow(b1, t);
      const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
      const stepSize = lr / bc1;
      const decay = 1 - lr * wd;
      if (kernel) {
        kernel(p, g, { decay, b1, b2, c1: 1 - b1, c2: 1 - b2, stepSize, sqrtBc2, eps });
        return;
      }
      for (let k = 0; k < numParams; k++) {
        const gk = g[k];
        p[k] *= decay;
        m[k] = b1 * m[k] + (1 - b1) * gk;
        v[k] = b2 * v[k] + (1 - b2) * gk * gk;
        p[k] -= (stepSize * m[k]) / (Math.sqrt(v[k]) / sqrtBc2 + eps);
      }
    },
  };
}
