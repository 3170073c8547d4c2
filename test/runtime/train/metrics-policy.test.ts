import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../../../runtime/src/data/synth';
import { parseHParams, train } from '../../../runtime/src/train';
import { MetricsPolicy, parseLogEveryNSteps } from '../../../runtime/src/train/metrics-policy';

const dir = mkdtempSync(join(tmpdir(), 'dojo-policy-'));
const glob = join(dir, 'part-*.csv');
beforeAll(async () => {
  await synthesize({ rows: 4000, parts: 1, out: dir, seed: 3 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hparams = parseHParams({ num_hidden_neurons: [3], batch_norm_linear_layers: 0, batch_size: 64, max_batches: 130 });

/** Runs train() and records which step each onMetrics call named, and with which keys. */
async function calls(policy: MetricsPolicy, prune?: number): Promise<[number, string][]> {
  const out: [number, string][] = [];
  await train({
    hparams, train: glob, val: glob, dtype: 'float32', onBadRow: 'fail', evalEvery: 60, metricsPolicy: policy,
    onMetrics: (step, m) => void out.push([step, Object.keys(m).sort().join(',')]),
    onEval: async (step) => (step === prune ? 'prune' : 'continue'),
  });
  return out;
}

const TRAIN = 'rows_per_sec,train_mse,train_rmse,train_steps_per_sec';
const FINAL = 'rows_skipped,val_rmse';

describe('metrics policy: every N steps and the last', () => {
  it('logs training metrics at every 50th step and at the last one; evaluations and the final metrics always', async () => {
    expect(await calls(new MetricsPolicy())).toEqual([[50, TRAIN], [60, 'val_rmse'], [100, TRAIN], [120, 'val_rmse'], [130, TRAIN], [130, FINAL]]);
  });

  it('logs the last trained step of a pruned run too', async () => {
    expect(await calls(new MetricsPolicy(50), 60)).toEqual([[50, TRAIN], [60, 'val_rmse'], [60, TRAIN], [60, FINAL]]);
  });

  it('N = 1 logs every step', async () => {
    const c = await calls(new MetricsPolicy(1));
    expect(c.filter(([, k]) => k === TRAIN).map(([s]) => s)).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
  });

  it('property: loggedSteps is exactly the steps logs() picks, plus the last trained one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 1000 }), (n, trained) => {
        const p = new MetricsPolicy(n);
        const picked = Array.from({ length: trained }, (_, i) => i + 1).filter((s) => p.logs(s, trained));
        expect(p.loggedSteps(trained)).toEqual(picked);
      }),
    );
  });

  it('refuses a bad N naming where it came from', () => {
    expect(parseLogEveryNSteps(undefined, 'x')).toBe(50);
    expect(parseLogEveryNSteps('1', 'x')).toBe(1);
    for (const bad of ['0', '-5', '2.5', 'ten']) expect(() => parseLogEveryNSteps(bad, '--log-every-n-steps')).toThrow(`--log-every-n-steps: must be a whole number >= 1 (1 logs every step), got "${bad}"`);
  });
});
