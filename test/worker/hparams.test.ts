import { describe, expect, it } from 'vitest';
import { trialHParams } from '../../runtime/src/worker/hparams';

describe('trial params → hyperparameters', () => {
  it('passes hyperparameter names through and builds num_hidden_neurons from layers + neurons', () => {
    expect(trialHParams({ lr: 0.01, batch_size: 512, optimizer: 'SGD', layers: 3, neurons: 8, max_batches: 100 })).toEqual({
      lr: 0.01, batch_size: 512, optimizer: 'SGD', max_batches: 100, num_hidden_neurons: [8, 8, 8],
    });
  });

  it('takes per-layer widths, falling back to neurons', () => {
    expect(trialHParams({ num_layers: 3, num_neurons: 4, num_neurons_l0: 7, neurons_l2: 13 }).num_hidden_neurons).toEqual([7, 4, 13]);
    expect(trialHParams({ neurons_l0: 5, neurons_l1: 6 }).num_hidden_neurons).toEqual([5, 6]);
    expect(trialHParams({ num_hidden_neurons: '[7, 11, 13]' }).num_hidden_neurons).toEqual([7, 11, 13]);
    expect(trialHParams({ batch_norm_linear_layers: true })).toEqual({ batch_norm_linear_layers: 1 });
  });

  it('names the bad key', () => {
    expect(() => trialHParams({ momentum: 0.9 })).toThrow(/hyperparameter momentum: unknown/);
    expect(() => trialHParams({ layers: 2 })).toThrow(/neurons_l0: missing/);
    expect(() => trialHParams({ layers: 0, neurons: 3 })).toThrow(/layers: must be a whole number >= 1, got 0/);
    expect(() => trialHParams({ num_hidden_neurons: '[1,' })).toThrow(/must be a JSON list/);
  });
});
