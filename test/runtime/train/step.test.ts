import { describe, expect, it } from 'vitest';
import { DojoError } from '../../../lib/errors';
import type { Collective } from '../../../runtime/src/dist/collective';
import type { FloatArray } from '../../../runtime/src/data/types';
import { createModel, parseHParams, trainStep } from '../../../runtime/src/train';

function batch(rows: number, seed: number) {
  const x = Float64Array.from({ length: rows * 8 }, (_, k) => Math.sin(seed + k * 0.91) * 3);
  const y = Float64Array.from({ length: rows }, (_, k) => 5 + Math.cos(seed + k));
  return { x, y, rows, numFeatures: 8 };
}

describe('trainStep', () => {
  it('averages the flat gradient array over replicas before clipping, in one allreduce per step', async () => {
    const hp = parseHParams({ num_hidden_neurons: [3, 5, 8], batch_size: 32, lr: 0.01 });
    const m = createModel(hp, 'float64');
    const seen: { buf: FloatArray; norm: number }[] = [];
    // A fake peer whose gradients are 3× ours: the mean is 2× ours, so the clipped step must see that.
    const collective: Collective = {
      rank: 0, worldSize: 2,
      async allreduce(buf) {
        let ss = 0;
        for (let k = 0; k < buf.length; k++) {
          buf[k] *= 2;
          ss += buf[k] * buf[k];
        }
        seen.push({ buf, norm: Math.sqrt(ss) });
      },
      async broadcast() {}, async barrier() {}, async close() {},
    };
    const r = await trainStep(m, batch(32, 1), collective);
    expect(seen).toHaveLength(1);
    expect(seen[0].buf).toBe(m.grads);
    expect(r.gradNorm).toBeCloseTo(seen[0].norm, 12);
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
