import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createModel, forward, parseHParams } from '../../../runtime/src/model';
import type { DType, FloatArray } from '../../../runtime/src/data/types';
import type { FittedPrep } from '../../../runtime/src/prep';

/** A fitted preparation with `bins` bins: the model takes 4 dense inputs and 4 one-hot indices per row. */
function binnedPrep(bins: number): FittedPrep {
  return { kind: 'dojo-prep', version: 1, missing: null, bins, scale: 'none', means: [], center: [0, 0, 0, 0], spread: [1, 1, 1, 1], lat: [38.8, 39], lon: [-77.12, -76.9] };
}

/** Rows of 4 calendar-like numbers plus one random bin per coordinate block (some bins never hit). */
function sparseBatch(rows: number, bins: number, seed: number, dtype: DType): { x: FloatArray; y: FloatArray; hot: Int32Array; dense: FloatArray } {
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const width = 4 + 4 * bins;
  const x = new Arr(rows * 4);
  const y = new Arr(rows);
  const hot = new Int32Array(rows * 4);
  const dense = new Arr(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < 4; f++) {
      const t = Math.sin(seed * 7.1 + r * 1.37 + f * 2.3);
      x[r * 4 + f] = Math.round(6 + 5 * t);
      dense[r * width + f] = x[r * 4 + f];
      // Skewed bins: low bins are common, the top ones rare or absent.
      const bin = Math.min(bins - 1, Math.floor(bins * Math.abs(Math.sin(seed + r * 0.91 + f)) ** 3));
      hot[r * 4 + f] = 4 + f * bins + bin;
      dense[r * width + hot[r * 4 + f]] = 1;
    }
    y[r] = 10 + 5 * Math.cos(seed + r * 0.7) + (hot[r * 4] % 3);
  }
  return { x, y, hot, dense };
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

describe('sparse one-hot first layer (binned coordinates)', () => {
  const config = fc.record({
    hidden: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }),
    bins: fc.integer({ min: 2, max: 40 }),
    bn: fc.constantFrom(0 as const, 1 as const),
    dtype: fc.constantFrom<DType>('float64', 'float32'),
    rows: fc.integer({ min: 2, max: 200 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    fma: fc.boolean(),
  });

  it('WebAssembly gather/scatter kernels = the JS reference on the dense one-hot rows (loss, gradients, statistics, predictions)', () => {
    fc.assert(
      fc.property(config, ({ hidden, bins, bn, dtype, rows, seed, fma }) => {
        const hp = parseHParams({ num_features: 4 + 4 * bins, num_hidden_neurons: hidden, batch_norm_linear_layers: bn, batch_size: 64, seed });
        const prep = binnedPrep(bins);
        const wasm = createModel(hp, dtype, { backend: 'wasm', fma, prep });
        // The reference is a plain dense model fed the one-hot rows written out.
        const js = createModel(hp, dtype, { backend: 'js' });
        expect(wasm.layout.sparse).toEqual({ dense: 4, perRow: 4 });
        expect(js.layout.sparse).toBeUndefined();
        expect(Array.from(wasm.params)).toEqual(Array.from(js.params));
        const tol = dtype === 'float64' ? 1e-10 : 2e-4;
        for (let step = 0; step < 2; step++) {
          const b = sparseBatch(rows, bins, seed + step, dtype);
          const a = js.network.lossAndGrad(b.dense, b.y, rows);
          const w = wasm.network.lossAndGrad(b.x, b.y, rows, b.hot);
          expect(Math.abs(a - w)).toBeLessThanOrEqual(tol * a);
          expect(maxDiff(wasm.grads, js.grads)).toBeLessThanOrEqual(tol * (1e-3 + maxAbs(js.grads)));
          js.stats.forEach((v, k) => expect(Math.abs(wasm.stats[k] - v)).toBeLessThanOrEqual(10 * tol * (1 + Math.abs(v))));
          const outA = forward(js, b.dense, rows);
          const outB = forward(wasm, b.x, rows, undefined, b.hot);
          expect(maxDiff(outB, outA)).toBeLessThanOrEqual(tol * 10 * (1 + maxAbs(outA)));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('the JS backend takes the same sparse inputs and matches the dense reference exactly', () => {
    const bins = 7;
    const hp = parseHParams({ num_features: 4 + 4 * bins, num_hidden_neurons: [5, 3], batch_norm_linear_layers: 1, batch_size: 50, seed: 3 });
    const sparse = createModel(hp, 'float64', { backend: 'js', prep: binnedPrep(bins) });
    const dense = createModel(hp, 'float64', { backend: 'js' });
    const b = sparseBatch(50, bins, 9, 'float64');
    expect(sparse.network.lossAndGrad(b.x, b.y, 50, b.hot)).toBe(dense.network.lossAndGrad(b.dense, b.y, 50));
    expect(Array.from(sparse.grads)).toEqual(Array.from(dense.grads));
  });

  it('a batch larger than the capacity grows the buffers, predictions in chunks match one call', () => {
    const bins = 64;
    const hp = parseHParams({ num_features: 4 + 4 * bins, num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: 0, batch_size: 16 });
    const wasm = createModel(hp, 'float64', { backend: 'wasm', capacityRows: 16, prep: binnedPrep(bins) });
    const js = createModel(hp, 'float64', { backend: 'js' });
    const b = sparseBatch(1000, bins, 5, 'float64');
    const a = js.network.lossAndGrad(b.dense, b.y, 1000);
    const w = wasm.network.lossAndGrad(b.x, b.y, 1000, b.hot);
    expect(Math.abs(a - w)).toBeLessThan(1e-9 * a);
    expect(maxDiff(wasm.grads, js.grads)).toBeLessThan(1e-10 * maxAbs(js.grads));
    const small = createModel(hp, 'float64', { backend: 'wasm', capacityRows: 16, prep: binnedPrep(bins) });
    small.params.set(wasm.params);
    expect(Array.from(forward(small, b.x, 1000, undefined, b.hot))).toEqual(Array.from(forward(wasm, b.x, 1000, undefined, b.hot)));
  });

  it('refuses dense input for a sparse model and one-hot indices for a dense one', () => {
    const hp = parseHParams({ num_features: 12, num_hidden_neurons: [3] });
    const sparse = createModel(hp, 'float32', { prep: binnedPrep(2) });
    const dense = createModel(hp, 'float32');
    expect(() => forward(sparse, new Float32Array(12), 1)).toThrow(/sparse one-hot inputs: expected 4 column indices, got none/);
    expect(() => forward(dense, new Float32Array(12), 1, undefined, new Int32Array(4))).toThrow(/dense inputs/);
  });
});
