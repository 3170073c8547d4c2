import type { FloatArray } from '../data/types';
import type { ModelLayout } from './layout';
import { Rng } from './rng';

/**
 * PyTorch's default initialisation from a seeded RNG: Linear weights kaiming_uniform(a=√5), which is
 * U(±1/√fan_in), biases U(±1/√fan_in); BatchNorm gamma 1, beta 0, running mean 0, running var 1.
 * Layers are initialised in construction order, weight before bias, as PyTorch does.
 */
export function initParams(layout: ModelLayout, seed: number, params: FloatArray, stats: FloatArray): void {
  const rng = new Rng(seed);
  for (const s of layout.linears) {
    const bound = 1 / Math.sqrt(s.in);
    for (let k = 0; k < s.in * s.out; k++) params[s.weight + k] = rng.uniform(-bound, bound);
    for (let k = 0; k < s.out; k++) params[s.bias + k] = rng.uniform(-bound, bound);
    if (layout.batchNorm) {
      params.fill(1, s.gamma, s.gamma + s.in);
      params.fill(0, s.beta, s.beta + s.in);
      stats.fill(0, s.runningMean, s.runningMean + s.in);
      stats.fill(1, s.runningVar, s.runningVar + s.in);
    }
  }
}
