import { Rng } from '../../lib/hpo/rng';
import type { Params, SearchSpace } from '../../lib/hpo/space';
import type { Direction, FrozenTrial, Sampler } from '../../lib/hpo/types';

/** A known test function with its space and optimum. */
export interface Objective {
  readonly name: string;
  readonly space: SearchSpace;
  readonly optimum: number;
  readonly f: (p: Params) => number;
}

/** Branin-Hoo on [-5, 10] x [0, 15]; global minimum 0.397887. */
export const branin: Objective = {
  name: 'branin',
  space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
  optimum: 0.397887,
  f: (p) => {
    const x1 = p.x1 as number;
    const x2 = p.x2 as number;
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
const H_ALPHA = [1, 1.2, 3, 3.2];

/** Hartmann-6 on [0, 1]^6; global minimum -3.32237. */
export const hartmann6: Objective = {
  name: 'hartmann6',
  space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { type: 'float', low: 0, high: 1 }])),
  optimum: -3.32237,
  f: (p) => {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H_A[i]![j]! * ((p[`x${j}`] as number) - H_P[i]![j]! * 1e-4) ** 2;
      s += H_ALPHA[i]! * Math.exp(-inner);
    }
    return -s;
  },
};

const OPT_COST: Record<string, number> = { SGD: 1.0, Adam: 0, RMSprop: 0.6, Adagrad: 1.5 };

/** A mixed space (log float, int, categorical, boolean, float): a model-tuning-like bowl with minimum 0. */
export const mixed: Objective = {
  name: 'mixed',
  space: {
    lr: { type: 'float', low: 1e-5, high: 1, log: true },
    layers: { type: 'int', low: 1, high: 8 },
    units: { type: 'int', low: 16, high: 512, log: true },
    optimizer: { type: 'categorical', choices: ['SGD', 'Adam', 'RMSprop', 'Adagrad'] },
    batchnorm: { type: 'categorical', choices: [true, false] },
    dropout: { type: 'float', low: 0, high: 0.5 },
  },
  optimum: 0,
  f: (p) =>
    (Math.log10(p.lr as number) + 2.5) ** 2 +
    0.3 * ((p.layers as number) - 5) ** 2 +
    (Math.log2(p.units as number) - 7) ** 2 * 0.5 +
    OPT_COST[p.optimizer as string]! +
    (p.batchnorm ? 0 : 0.5) +
    4 * ((p.dropout as number) - 0.2) ** 2,
};

/** Levy on [-10, 10]^10; global minimum 0 at x = (1, ..., 1). */
export const levy10: Objective = {
  name: 'levy10',
  space: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x${i}`, { type: 'float', low: -10, high: 10 }])),
  optimum: 0,
  f: (p) => {
    const w = Array.from({ length: 10 }, (_, i) => 1 + ((p[`x${i}`] as number) - 1) / 4);
    let s = Math.sin(Math.PI * w[0]!) ** 2;
    for (let i = 0; i < 9; i++) s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
    return s + (w[9]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[9]!) ** 2);
  },
};

const WIDTH_TARGET = [7, 6, 5, 4]; // log2 of the best width of each hidden layer: 128, 64, 32, 16

/**
 * An MLP-tuning surrogate with conditional parameters, spelled as dojo spaces spell them: `layers`
 * hidden layers whose widths are neurons_l0..neurons_l3; the width of a layer beyond `layers` has
 * no effect (runtime/src/worker/hparams.ts ignores it). Minimum 0 at 3 layers of 128, 64, 32, lr
 * 10^-2.5, Adam, batch 256.
 */
export const conditionalMlp: Objective = {
  name: 'cond-mlp',
  space: {
    lr: { type: 'float', low: 1e-5, high: 1, log: true },
    layers: { type: 'int', low: 1, high: 4 },
    neurons_l0: { type: 'int', low: 4, high: 512, log: true },
    neurons_l1: { type: 'int', low: 4, high: 512, log: true },
    neurons_l2: { type: 'int', low: 4, high: 512, log: true },
    neurons_l3: { type: 'int', low: 4, high: 512, log: true },
    optimizer: { type: 'categorical', choices: ['SGD', 'Adam', 'RMSprop', 'Adagrad'] },
    batch_size: { type: 'categorical', choices: [64, 128, 256, 512, 1024] },
  },
  optimum: 0,
  f: (p) => {
    const layers = p.layers as number;
    let s = (Math.log10(p.lr as number) + 2.5) ** 2 + OPT_COST[p.optimizer as string]! + 0.4 * (layers - 3) ** 2 + 0.2 * Math.abs(Math.log2((p.batch_size as number) / 256));
    for (let i = 0; i < layers; i++) s += 0.3 * (Math.log2(p[`neurons_l${i}`] as number) - WIDTH_TARGET[i]!) ** 2;
    return s;
  },
};

/** Runs a sequential in-process optimisation and returns the best value after n trials. */
export function optimize(sampler: Sampler, obj: Objective, n: number, seed: number, direction: Direction = 'minimize'): number {
  const trials: FrozenTrial[] = [];
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const ctx = { space: obj.space, direction, trials, number: i, rng: new Rng(seed, i) };
    // As the engine does: a proposal's memo (the GP's fitted hyperparameters) stays with its trial.
    const proposal = sampler.propose?.(ctx);
    const params = proposal ? proposal.params : sampler.sample(ctx)!;
    const value = obj.f(params);
    trials.push({ number: i, state: 'complete', params, value, intermediate: new Map(), ...(proposal?.memo ? { memo: proposal.memo } : {}) });
    if (value < best) best = value;
  }
  return best;
}

/** The median of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
