import { describe, expect, it } from 'vitest';
import { createModel, DEFAULT_HPARAMS, modelLayout, parseHParams } from '../../../runtime/src/model';
import { DojoError } from '../../../lib/errors';

describe('layout and initialisation', () => {
  it('lays parameters out in PyTorch named_parameters() order', () => {
    const l = modelLayout(parseHParams({ num_hidden_neurons: [3, 5], batch_norm_linear_layers: 1 }));
    expect(l.dims).toEqual([8, 3, 5, 1]);
    expect(l.linears.map((s) => [s.gamma, s.beta, s.weight, s.bias])).toEqual([
      [0, 8, 16, 40],
      [43, 46, 49, 64],
      [69, 74, 79, 84],
    ]);
    expect(l.numParams).toBe(85);
    expect(l.numStats).toBe(2 * (8 + 3 + 5));
    const nobn = modelLayout(parseHParams({ num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: 0 }));
    expect(nobn.numParams).toBe(8 * 7 + 7 + 7 * 11 + 11 + 11 * 13 + 13 + 13 + 1);
    expect(nobn.numStats).toBe(0);
  });

  it('PyTorch default init: weights and biases in ±1/√fan_in, BN gamma 1 beta 0, seeded', () => {
    const hp = parseHParams({ num_hidden_neurons: [23, 19], batch_size: 16 });
    const m = createModel(hp, 'float64');
    for (const s of m.layout.linears) {
      const bound = 1 / Math.sqrt(s.in);
      const w = Array.from(m.params.subarray(s.weight, s.bias + s.out));
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Uniform on ±bound: the spread is about bound/√3.
      const sd = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
      if (w.length > 100) expect(sd).toBeGreaterThan(0.45 * bound);
      expect(Array.from(m.params.subarray(s.gamma, s.gamma + s.in))).toEqual(new Array(s.in).fill(1));
      expect(Array.from(m.params.subarray(s.beta, s.beta + s.in))).toEqual(new Array(s.in).fill(0));
    }
    expect(Array.from(createModel(hp, 'float64').params)).toEqual(Array.from(m.params));
    expect(Array.from(createModel({ ...hp, seed: hp.seed + 1 }, 'float64').params)).not.toEqual(Array.from(m.params));
  });
});

describe('parseHParams', () => {
  it('defaults to the book', () => {
    expect(parseHParams({})).toEqual({ ...DEFAULT_HPARAMS, num_hidden_neurons: [3, 5, 8] });
    expect(DEFAULT_HPARAMS).toMatchObject({ seed: 1686523060, num_features: 8, batch_norm_linear_layers: 1, optimizer: 'Adam', lr: 0.03, batch_size: 262144, max_batches: 1 });
  });
  it('accepts the book\'s string forms', () => {
    expect(parseHParams('{"num_hidden_neurons": "[7, 11, 13]", "lr": "0.01", "batch_size": "4096"}')).toMatchObject({ num_hidden_neurons: [7, 11, 13], lr: 0.01, batch_size: 4096 });
  });
  it.each([
    [{ lr: 0 }, '--hparams: hparams.lr: must be > 0'],
    [{ optimizer: 'RMSprop' }, 'hparams.optimizer: must be "Adam" or "SGD"'],
    [{ num_hidden_neurons: [3, 0] }, 'hparams.num_hidden_neurons.1: must be >= 1'],
    [{ batch_norm_linear_layers: 2 }, 'hparams.batch_norm_linear_layers: must be 0 or 1'],
    [{ btach_size: 4 }, 'hparams.btach_size: unknown hyperparameter'],
    ['{lr: 1', '--hparams: not valid JSON'],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => parseHParams(input, '--hparams')).toThrow(DojoError);
    expect(() => parseHParams(input, '--hparams')).toThrow(message);
  });
});
