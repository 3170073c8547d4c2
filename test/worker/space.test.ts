// The built-in job kind refuses, when the study is made, a space whose values a trial would refuse:
// every bound and choice goes through the worker's own mapping (trialHParams + parseHParams).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSpace } from '../../lib/cli/commands/demo/space';
import { train, parseHParams } from '../../runtime/src/train';
import { builtinKind } from '../../runtime/src/worker/kind';
import { DEFAULT_TRIAL_METRIC, TRIAL_METRICS } from '../../runtime/src/worker/metrics';
import { checkTrialSpace } from '../../runtime/src/worker/space';
import { tinySpace } from '../e2e/harness';
import { writeFareCsv } from '../runtime/train/helpers';

const check = (space: Record<string, unknown>) => () => checkTrialSpace(space, 'space.json');

describe('a built-in study\'s space, checked when the study is made', () => {
  it('names the file, the key and the value a trial would refuse', () => {
    expect(check({ lr: { type: 'categorical', choices: [0.01, -1] } })).toThrow('space.json: space.lr = -1 (choices[1]): hparams.lr: must be > 0');
    expect(check({ optimizer: { type: 'categorical', choices: ['Adam', 'RMSprop'] } })).toThrow('space.json: space.optimizer = "RMSprop" (choices[1]): hparams.optimizer: must be "Adam" or "SGD"');
    expect(check({ batch_size: { type: 'int', low: 0, high: 512 } })).toThrow('space.json: space.batch_size = 0 (low): hparams.batch_size: must be >= 1');
    expect(check({ seed: { type: 'int', low: 1, high: 2 ** 33 } })).toThrow(/^space\.json: space\.seed = 8589934592 \(high\): hparams\.seed: must be < 2\^32$/);
  });

  it('tries the values between the bounds too: a float for an integer, and a refused value inside an int range', () => {
    expect(check({ batch_size: { type: 'float', low: 64, high: 512 } })).toThrow(/^space\.json: space\.batch_size = 2\d\d\.\d+ \(a value between low and high\): hparams\.batch_size: must be a whole number$/);
    expect(check({ bins: { type: 'int', low: 0, high: 128 } })).toThrow('space.json: space.bins = 1 (a value of low..high): hparams.bins: must be 0 or 2..4096');
    expect(check({ bins: { type: 'int', low: 0, high: 128, step: 64 } })).not.toThrow();
  });

  it('checks the layer keys as the worker combines them', () => {
    expect(check({ layers: { type: 'int', low: 0, high: 2 }, neurons: { type: 'int', low: 4, high: 8 } })).toThrow('space.json: space.layers = 0 (low): hyperparameter layers: must be a whole number >= 1, got 0');
    expect(check({ neurons: { type: 'int', low: 4, high: 5000 } })).toThrow(/^space\.json: space\.neurons = 5000 \(high\): hparams\.num_hidden_neurons\.0: must be <= 4096$/);
    expect(check({ layers: { type: 'int', low: 1, high: 3 }, neurons_l0: { type: 'int', low: 4, high: 8 } })).toThrow(
      'space.json: space.layers = 3 (high): hyperparameter neurons_l1: missing (layer 1 of 3 has no width; add neurons or neurons_l1)',
    );
    expect(check({ num_hidden_neurons: { type: 'categorical', choices: ['[7, 11]', '[3, x]'] } })).toThrow(/^space\.json: space\.num_hidden_neurons = "\[3, x\]" \(choices\[1\]\): hyperparameter num_hidden_neurons: must be a JSON list/);
    expect(check({ dropout: { type: 'float', low: 0, high: 0.5 } })).toThrow(/^space\.json: space\.dropout = 0 \(low\): hyperparameter dropout: unknown \(use lr, /);
  });

  it('accepts the spaces dojo itself uses', () => {
    expect(check(demoSpace(1_000_000))).not.toThrow();
    expect(check(tinySpace())).not.toThrow();
    expect(check({ layers: { type: 'int', low: 1, high: 2 }, neurons_l0: { type: 'int', low: 4, high: 8 }, neurons_l1: { type: 'categorical', choices: [2, 3] } })).not.toThrow();
  });

  it('a study of test_rmse needs a test set', () => {
    expect(() => builtinKind.checkStart!({ DOJO_TRAIN_GLOB: 'a', DOJO_VAL_GLOB: 'b' }, 'test_rmse')).toThrow('the study optimises test_rmse, which needs a test set: add -e DOJO_TEST_GLOB GLOB (or optimise val_rmse)');
    expect(() => builtinKind.checkStart!({ DOJO_TRAIN_GLOB: 'a', DOJO_VAL_GLOB: 'b', DOJO_TEST_GLOB: 'c' }, 'test_rmse')).not.toThrow();
  });
});

describe('the metrics a built-in trial can tell', () => {
  it('are finite numbers of every training result (test_rmse with a test set), the default first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dojo-metrics-'));
    try {
      const glob = writeFareCsv(dir, 'd', 400, 1, 1);
      const r = await train({ hparams: parseHParams({ batch_size: 64, max_batches: 3 }), train: glob, val: glob, test: glob, dtype: 'float64', onBadRow: 'fail' });
      const result = r as unknown as Record<string, unknown>;
      for (const m of TRIAL_METRICS) expect(Number.isFinite(result[m]), m).toBe(true);
      expect(TRIAL_METRICS[0]).toBe(DEFAULT_TRIAL_METRIC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
