import type { FloatArray } from '../data/types';
import type { Optimizer } from './optimizer';

/** Plain SGD as `torch.optim.SGD(params, lr)` with no momentum or decay: p ← p − lr·g. */
export function sgd(numParams: number, lr: number): Optimizer {
  let t = 0;
  return {
    name: 'SGD',
    get steps() {
      return t;
    },
    step(p: FloatArray, g: FloatArray) {
      t++;
      for (let k = 0; k < numParams; k++) p[k] -= lr * g[k];
    },
  };
}
