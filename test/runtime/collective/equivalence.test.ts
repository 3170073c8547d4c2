import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../../runtime/src/data/types';
import type { Collective } from '../../../runtime/src/collective';
import { createModel, DEFAULT_HPARAMS, type HParams } from '../../../runtime/src/model';
import { trainStep } from '../../../runtime/src/train/step';
import { closeAll, startWorld } from './helpers';

const STEPS = 20;
const B = 24; // rows per replica per step

/** Deterministic rows of 8 features with a label that a small MLP can fit (roughly the fare's shape). */
function makeRows(rows: number, seed: number): { x: Float64Array; y: Float64Array } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float64Array(rows * 8);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let t = 3.25;
    for (let j = 0; j < 8; j++) {
      const v = rnd() * 2 - 1;
      x[i * 8 + j] = v;
      t += (j + 1) * 0.7 * v + (j === 2 ? v * v * 3 : 0);
    }
    y[i] = t + (rnd() - 0.5) * 0.1;
  }
  return { x, y };
}

/** Rows [from, from + n) as a Batch (copies: the trainer may keep views). */
function slice(data: { x: Float64Array; y: Float64Array }, from: number, n: number): Batch {
  return { x: data.x.slice(from * 8, (from + n) * 8), y: data.y.slice(from, from + n), rows: n, numFeatures: 8 };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('data-parallel equivalence (no BatchNorm, float64): R replicas with batch B == one process with batch R*B', () => {
  const worlds = new Map<number, Collective[]>();
  beforeAll(async () => {
    for (const r of [2, 3, 4]) worlds.set(r, (await startWorld(r, { trialLabel: `eq${r}` })).members);
  });
  afterAll(async () => {
    for (const m of worlds.values()) await closeAll(m);
  });

  for (const optimizer of ['Adam', 'SGD'] as const) {
    for (const R of [2, 3, 4]) {
      it(`${optimizer}, R=${R}: parameters agree to < 1e-9 after ${STEPS} steps on the same rows`, async () => {
        const hp: HParams = { ...DEFAULT_HPARAMS, num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: 0, optimizer, lr: optimizer === 'Adam' ? 0.01 : 0.05, batch_size: R * B, max_batches: STEPS };
        const data = makeRows(STEPS * R * B, 1234 + R);

        const single = createModel(hp, 'float64');
        for (let t = 0; t < STEPS; t++) await trainStep(single, slice(data, t * R * B, R * B));

        const members = worlds.get(R)!;
        // Replicas start from different seeds on purpose: the broadcast from rank 0 must align them (as DDP does).
        const replicas = members.map((_, r) => createModel({ ...hp, seed: hp.seed + r, batch_size: B }, 'float64'));
        await Promise.all(members.map((c, r) => c.broadcast(replicas[r]!.params, 0)));
        for (let t = 0; t < STEPS; t++) {
          await Promise.all(members.map((c, r) => trainStep(replicas[r]!, slice(data, t * R * B + r * B, B), c)));
        }

        const start = createModel(hp, 'float64').params;
        expect(maxAbsDiff(single.params, start)).toBeGreaterThan(1e-3); // training moved the parameters
        for (const m of replicas) {
          expect(maxAbsDiff(m.params, single.params)).toBeLessThan(1e-9);
          // Replicas hold bit-identical parameters (identical averaged gradients, identical updates).
          expect(Buffer.from(m.params.buffer, m.params.byteOffset, m.params.byteLength).equals(Buffer.from(replicas[0]!.params.buffer, replicas[0]!.params.byteOffset, replicas[0]!.params.byteLength))).toBe(true);
        }
      });
    }
  }
});
