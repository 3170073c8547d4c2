import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adamW, clipGradNorm, sgd } from '../../../runtime/src/optim';

describe('AdamW (torch.optim.AdamW semantics)', () => {
  it('two steps match hand-derived values (lr 0.1, wd 0.01, betas 0.9/0.999, eps 1e-8)', () => {
    const opt = adamW(1, 'float64', { lr: 0.1, weightDecay: 0.01 });
    const p = Float64Array.of(1);
    // Step 1, g = 0.5: decay p = 1·(1 − 0.1·0.01) = 0.999; m = 0.05, v = 0.00025;
    // m̂ = 0.05/0.1 = 0.5, √v̂ = √(0.00025/0.001) = 0.5; p = 0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.899000002.
    opt.step(p, Float64Array.of(0.5));
    expect(p[0]).toBeCloseTo(0.899000002, 12);
    // Step 2, g = −0.25: p = 0.899000002·0.999 = 0.898101001998; m = 0.045 − 0.025 = 0.02;
    // v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225; m̂ = 0.02/0.19; √v̂ = √(0.00031225/0.001999);
    // p = 0.898101001998 − 0.1·(0.02/0.19)/(√v̂ + 1e-8) = 0.8714672987058.
    opt.step(p, Float64Array.of(-0.25));
    expect(p[0]).toBeCloseTo(0.8714672987058, 12);
    expect(opt.steps).toBe(2);
  });

  it('a zero gradient still decays the weights (decoupled weight decay)', () => {
    const opt = adamW(2, 'float64', { lr: 0.5, weightDecay: 0.01 });
    const p = Float64Array.of(2, -4);
    opt.step(p, new Float64Array(2));
    expect(Array.from(p)).toEqual([2 * (1 - 0.005), -4 * (1 - 0.005)]);
  });

  it('keeps float32 moments and parameters for float32', () => {
    // The reference rounds each double result to float32; the kernel computes in float32 (as
    // PyTorch does): both land within one float32 ulp of the exact 0.899000002.
    for (const backend of ['js', 'wasm'] as const) {
      const opt = adamW(1, 'float32', { lr: 0.1, backend });
      const p = Float32Array.of(1);
      opt.step(p, Float32Array.of(0.5));
      expect(Math.abs(p[0] - 0.899000002), backend).toBeLessThanOrEqual(2 ** -24);
    }
  });

  it('the SIMD kernel equals the JS reference: bit for bit in float64, within float32 rounding in float32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(0.1, 0.003), (n, seed, lr) => {
        for (const dtype of ['float64', 'float32'] as const) {
          const fill = (f: (k: number) => number): Float32Array | Float64Array => {
            const x = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
            for (let k = 0; k < n; k++) x[k] = f(k);
            return x;
          };
          const ref = adamW(n, dtype, { lr, backend: 'js' });
          const simd = adamW(n, dtype, { lr, backend: 'wasm' });
          const a = fill((k) => Math.sin(seed + k));
          const b = fill((k) => a[k]!);
          for (let t = 0; t < 5; t++) {
            const g = fill((k) => (k % 7 === 3 ? 0 : Math.cos(seed * 0.3 + k * 1.7 + t) * 10 ** ((k % 5) - 3)));
            ref.step(a, g);
            simd.step(b, g);
          }
          if (dtype === 'float64') expect(Array.from(b)).toEqual(Array.from(a));
          else a.forEach((v, k) => expect(Math.abs(b[k]! - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('SGD', () => {
  it('p ← p − lr·g', () => {
    const opt = sgd(3, 0.1);
    const p = Float64Array.of(1, 2, 3);
    opt.step(p, Float64Array.of(0.5, -1, 0));
    expect(p[0]).toBeCloseTo(0.95, 15);
    expect(p[1]).toBeCloseTo(2.1, 15);
    expect(p[2]).toBe(3);
  });
});

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  it('scales by max_norm/(norm + 1e-6) when the norm is above max_norm', () => {
    const g = Float64Array.of(3, 4);
    expect(clipGradNorm(g, 0.5)).toBe(5);
    const k = 0.5 / (5 + 1e-6);
    expect(g[0]).toBeCloseTo(3 * k, 15);
    expect(g[1]).toBeCloseTo(4 * k, 15);
    expect(Math.hypot(g[0], g[1])).toBeLessThan(0.5);
  });

  it('leaves gradients below the norm untouched', () => {
    const g = Float64Array.of(0.3, 0.1, -0.2);
    clipGradNorm(g, 0.5);
    expect(Array.from(g)).toEqual([0.3, 0.1, -0.2]);
  });

  it('returns NaN for a NaN gradient (the training step refuses to apply it)', () => {
    expect(clipGradNorm(Float64Array.of(1, NaN), 0.5)).toBeNaN();
  });
});
