import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHParams, train, type TrainResult } from '../../../runtime/src/train';
import { writeFareCsv } from './helpers';

let dir: string;
let trainGlob: string;
let valGlob: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-train-'));
  trainGlob = writeFareCsv(dir, 'train', 6000, 3, 1);
  valGlob = writeFareCsv(dir, 'val', 1500, 2, 2);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hparams = parseHParams({ num_hidden_neurons: [3, 5, 8], batch_norm_linear_layers: 1, lr: 0.03, batch_size: 256, max_batches: 400 });
/** Everything but the timings. */
const numerics = (r: TrainResult) => ({ train_mse: r.train_mse, val_rmse: r.val_rmse, test_rmse: r.test_rmse, steps: r.steps, rows_skipped: r.rows_skipped });

describe('train() on CSV files', () => {
  it('learns the fares: validation RMSE falls below 1.2 (label spread ≈ 3.2, noise 0.5)', async () => {
    const steps: number[] = [];
    const r = await train({ hparams, train: trainGlob, val: valGlob, test: valGlob, dtype: 'float64', onBadRow: 'fail', onMetrics: (s) => void steps.push(s) });
    expect(r.steps).toBe(400);
    expect(r.pruned).toBe(false);
    expect(r.val_rmse).toBeLessThan(1.2);
    expect(r.test_rmse).toBe(r.val_rmse);
    expect(r.train_rmse).toBeCloseTo(Math.sqrt(r.train_mse), 12);
    expect(r.rows_per_sec).toBeGreaterThan(r.end_to_end_rows_per_sec);
    expect(r.parse_mb_per_sec).toBeGreaterThan(0);
    expect(r.rows_skipped).toBe(0);
    // The default policy: training metrics every 50 steps and at the last, then the final ones.
    expect(steps).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 400]);
  });

  it('the same seed gives bit-identical results; another seed does not', async () => {
    const small = { ...hparams, max_batches: 30 };
    const run = (h = small) => train({ hparams: h, train: trainGlob, val: valGlob, dtype: 'float32', onBadRow: 'fail' });
    const [a, b, c] = [await run(), await run(), await run({ ...small, seed: 7 })];
    expect(numerics(b)).toEqual(numerics(a));
    expect(c.val_rmse).not.toBe(a.val_rmse);
  });

  it('SGD and no BatchNorm train too', async () => {
    const h = parseHParams({ num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: 0, optimizer: 'SGD', lr: 0.01, batch_size: 128, max_batches: 50 });
    const r = await train({ hparams: h, train: trainGlob, val: valGlob, dtype: 'float32', onBadRow: 'fail' });
    expect(Number.isFinite(r.val_rmse)).toBe(true);
    expect(r.steps).toBe(50);
  });

  it('reports intermediate validation RMSE and stops when told to prune', async () => {
    const evals: [number, number][] = [];
    const r = await train({
      hparams: { ...hparams, max_batches: 100 }, train: trainGlob, val: valGlob, dtype: 'float64', onBadRow: 'fail', evalEvery: 10,
      onEval: async (step, v) => {
        evals.push([step, v]);
        return step >= 30 ? 'prune' : 'continue';
      },
    });
    expect(evals.map((e) => e[0])).toEqual([10, 20, 30]);
    expect(r.pruned).toBe(true);
    expect(r.steps).toBe(30);
  });

  it('skips and counts bad rows with onBadRow skip, stops on them by default', async () => {
    const badGlob = writeFareCsv(join(dir, 'bad'), 'train', 600, 1, 3, [5, 77]);
    const r = await train({ hparams: { ...hparams, max_batches: 2 }, train: badGlob, val: valGlob, dtype: 'float64', onBadRow: 'skip' });
    expect(r.rows_skipped).toBe(2);
    await expect(train({ hparams: { ...hparams, max_batches: 2 }, train: badGlob, val: valGlob, dtype: 'float64', onBadRow: 'fail' })).rejects.toThrow(/part000\.csv:7/);
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    const p = train({
      hparams: { ...hparams, max_batches: 100000 }, train: trainGlob, val: valGlob, dtype: 'float64', onBadRow: 'fail', signal: ac.signal,
      onProgress: (pr) => { if (pr.step === 5) ac.abort(new Error('stop please')); },
    });
    await expect(p).rejects.toThrow('stop please');
  });
});
