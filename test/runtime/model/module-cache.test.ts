import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHParams } from '../../../runtime/src/model';
import type { DType } from '../../../runtime/src/data/types';
import { initParams } from '../../../runtime/src/model/init';
import { modelLayout, type ModelLayout } from '../../../runtime/src/model/layout';
import { buildKernels, type KernelOptions } from '../../../runtime/src/model/wasm/kernels';
import { kernelKey, kernelModules } from '../../../runtime/src/model/wasm/module-cache';
import { planMemory, type MemoryPlan } from '../../../runtime/src/model/wasm/plan';
import { createWasmNetwork } from '../../../runtime/src/model/wasm-network';

interface Shape {
  hidden: number[];
  bn: 0 | 1;
  dtype: DType;
  rows: number;
  fma: boolean;
  bins: number;
}

function build(s: Shape): { plan: MemoryPlan; layout: ModelLayout } {
  const hp = parseHParams({ num_hidden_neurons: s.hidden, batch_norm_linear_layers: s.bn, batch_size: 64 });
  const sparse = s.bins > 0 ? { dense: 4, perRow: 4 } : undefined;
  const layout = modelLayout({ ...hp, num_features: s.bins > 0 ? 4 + 4 * s.bins : 8 }, sparse);
  return { plan: planMemory(layout, s.dtype, s.rows), layout };
}

/** A small domain, so that random shapes often share a key. */
const shape = fc.record({
  hidden: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
  bn: fc.constantFrom(0 as const, 1 as const),
  dtype: fc.constantFrom<DType>('float64', 'float32'),
  rows: fc.integer({ min: 2, max: 40 }),
  fma: fc.boolean(),
  bins: fc.constantFrom(0, 2),
});

/** Every leaf number or boolean of a value, with a path to change it by. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return [path];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]));
  return [];
}

/** A deep copy of `v` with the leaf at `path` changed (numbers +1, booleans flipped, strings suffixed). */
function mutate<T>(v: T, path: (string | number)[]): T {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const x = o[last];
  o[last] = typeof x === 'number' ? x + 1 : typeof x === 'boolean' ? !x : `${String(x)}x`;
  return copy as T;
}

describe('compiled wasm kernel modules kept per shape', () => {
  it('two shapes share a key only when they generate the same module bytes', () => {
    fc.assert(
      fc.property(fc.array(shape, { minLength: 8, maxLength: 16 }), (shapes) => {
        const byKey = new Map<string, string>();
        for (const s of [...shapes, ...shapes]) {
          const { plan, layout } = build(s);
          const opt = { fma: s.fma };
          const bytes = Buffer.from(buildKernels(plan, layout, opt)).toString('base64');
          const key = kernelKey(plan, layout, opt);
          const seen = byKey.get(key);
          if (seen !== undefined) expect(bytes).toBe(seen);
          byKey.set(key, bytes);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('changing any one input of buildKernels (any plan or layout field, FMA, the group sizes) changes the key', () => {
    // The first cache keyed on JSON.stringify([plan, layout, fma]): it dropped the kernel options' group sizes.
    for (const s of [
      { hidden: [3, 2], bn: 1 as const, dtype: 'float32' as const, rows: 20, fma: true, bins: 0 },
      { hidden: [2], bn: 0 as const, dtype: 'float64' as const, rows: 9, fma: false, bins: 2 },
    ]) {
      const { plan, layout } = build(s);
      const opt: KernelOptions = { fma: s.fma, fwdGroup: 4, bwdGroup: 4 };
      const key = kernelKey(plan, layout, opt);
      const paths = { plan: leaves(plan), layout: leaves(layout), opt: leaves(opt) };
      expect(paths.plan.length).toBeGreaterThan(20);
      for (const p of paths.plan) expect(kernelKey(mutate(plan, p), layout, opt), `plan.${p.join('.')}`).not.toBe(key);
      for (const p of paths.layout) expect(kernelKey(plan, mutate(layout, p), opt), `layout.${p.join('.')}`).not.toBe(key);
      for (const p of paths.opt) expect(kernelKey(plan, layout, mutate(opt, p)), `opt.${p.join('.')}`).not.toBe(key);
      // An option left out is not the same as one given (a default may change).
      expect(kernelKey(plan, layout, { fma: s.fma })).not.toBe(key);
    }
  });

  it('a network on a reused module trains and predicts bit-identically to one on a freshly built module, after other shapes', () => {
    // The shape the kernels = JS property test reported when the first cache was taken out: hidden
    // [14, 17], BatchNorm, float32, a 294-row batch growing a 64-row network.
    const hp = parseHParams({ num_hidden_neurons: [14, 17], batch_norm_linear_layers: 1, batch_size: 64, seed: 3 });
    const layout = modelLayout({ ...hp, num_features: 8 });
    const rows = 294;
    const x = new Float32Array(rows * 8).map((_, k) => (k % 8 < 4 ? (k % 2 ? -77 : 38.9) : 6) + Math.sin(k * 1.37));
    const y = new Float32Array(rows).map((_, r) => 10 + 5 * Math.cos(r * 0.7));
    const trainAndPredict = (): number[] => {
      const n = createWasmNetwork(layout, 'float32', 64);
      initParams(layout, 3, n.params, n.stats);
      const out: number[] = [];
      for (let step = 0; step < 3; step++) {
        out.push(n.lossAndGrad(x, y, rows));
        for (let k = 0; k < n.params.length; k++) n.params[k] -= 1e-3 * n.grads[k]!;
      }
      const pred = new Float64Array(rows);
      n.predict(x, rows, pred);
      return [...out, ...n.params, ...n.stats, ...pred];
    };
    const built0 = kernelModules.built;
    const first = trainAndPredict();
    // Other shapes in between (new modules, some evicting nothing), then the same shape again from the cache.
    for (const hidden of [[3], [14, 16], [17, 14], [5, 5, 5]]) {
      createWasmNetwork(modelLayout({ ...parseHParams({ num_hidden_neurons: hidden, batch_norm_linear_layers: 1, batch_size: 64 }), num_features: 8 }), 'float32', rows);
    }
    const reused0 = kernelModules.reused;
    const again = trainAndPredict();
    expect(kernelModules.reused - reused0).toBe(2);
    expect(kernelModules.built).toBeGreaterThan(built0);
    expect(again).toEqual(first);
  });
});
