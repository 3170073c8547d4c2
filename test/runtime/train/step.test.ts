import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DojoError } from '../../../lib/errors';
import type { Collective } from '../../../runtime/src/collective/collective';
import { createModel, parseHParams, trainStep } from '../../../runtime/src/train';
import { countParts } from '../../../runtime/src/train/step';

function batch(rows: number, seed: number) {
  const x = Float64Array.from({ length: rows * 8 }, (_, k) => Math.sin(seed + k * 0.91) * 3);
  const y = Float64Array.from({ length: rows }, (_, k) => 5 + Math.cos(seed + k));
  return { x, y, rows, numFeatures: 8 };
}

describe('trainStep', () => {
  it('row counts travel in two parts whose float32 sums are exact: any batch up to 2^26 rows, up to 1024 replicas', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 ** 26 }), { minLength: 1, maxLength: 1024 }), (counts) => {
        // What the collective does with a float32 buffer: sequential sums, each rounded to float32.
        let hi = 0;
        let lo = 0;
        for (const c of counts) {
          const [h, l] = countParts(c);
          hi = Math.fround(hi + Math.fround(h));
          lo = Math.fround(lo + Math.fround(l));
        }
        expect(hi + lo).toBe(counts.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('averages the flat gradient array over replicas before clipping, with the loss and rows summed in the same (one) allreduce', async () => {
    const hp = parseHParams({ num_hidden_neurons: [3, 5, 8], batch_size: 32, lr: 0.01 });
    const m = createModel(hp, 'float64');
    const n = m.grads.length;
    const seen: { ops: string[]; local: Float64Array; sse: number; rows: number } = { ops: [], local: new Float64Array(0), sse: 0, rows: 0 };
    // A fake peer whose gradients are 3× ours and whose batch has 10 rows with sse 7: the mean
    // gradient is 2× ours, so the clipped step must see that.
    const collective: Collective = {
      rank: 0, worldSize: 2,
      async allreduce(buf, op) {
        seen.ops.push(op);
        expect(buf).toHaveLength(n + 4);
        seen.local = Float64Array.from(buf.subarray(0, n));
        seen.sse = buf[n] + buf[n + 1];
        seen.rows = buf[n + 2] + buf[n + 3];
        for (let k = 0; k < n; k++) buf[k] *= 4;
        buf[n] += 7;
        buf[n + 2] += 10;
      },
      async broadcast() {}, async barrier() {}, async close() {},
    };
    const r = await trainStep(m, batch(32, 1), collective);
    expect(seen.ops).toEqual(['sum']);
    expect(seen.rows).toBe(32);
    expect(r.rows).toBe(42);
    expect(r.sse).toBe(seen.sse + 7);
    const norm = Math.sqrt(seen.local.reduce((s, v) => s + 4 * v * v, 0));
    expect(r.gradNorm).toBeCloseTo(norm, 12);
    const k = Math.min(1, 0.5 / (r.gradNorm + 1e-6));
    let clipped = 0;
    for (let i = 0; i < m.grads.length; i++) clipped += m.grads[i] * m.grads[i];
    expect(Math.sqrt(clipped)).toBeCloseTo(r.gradNorm * k, 9);
  });

  it('refuses to step on a non-finite loss (never trains on NaN) and leaves the parameters as they were', async () => {
    const m = createModel(parseHParams({ num_hidden_neurons: [4], batch_size: 8 }), 'float64');
    const before = Array.from(m.params);
    const b = batch(8, 2);
    b.y[3] = Infinity;
    const err = await trainStep(m, b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DojoError);
    expect((err as DojoError).message).toMatch(/training diverged at step 1: loss is not finite; lower hparams\.lr/);
    expect(Array.from(m.params)).toEqual(before);
  });

  it('is deterministic: the same seed and batches give bit-identical parameters (float32 and float64)', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const hp = parseHParams({ num_hidden_neurons: [23, 19, 13, 11, 7], batch_size: 100 });
      const run = async () => {
        const m = createModel(hp, dtype);
        for (let s = 0; s < 5; s++) await trainStep(m, batch(100, s));
        return Array.from(m.params);
      };
      expect(await run()).toEqual(await run());
    }
  });
});
