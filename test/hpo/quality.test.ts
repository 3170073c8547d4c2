import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../lib/hpo/samplers/random';
import { TpeSampler } from '../../lib/hpo/samplers/tpe/sampler';
import { branin, hartmann6, median, mixed, optimize, type Objective } from '../../testkit/hpo/objectives';

const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const TRIALS = 100;

/** Median best value over the 10 seeds after 100 sequential in-process trials. */
function medianBest(make: () => ConstructorParameters<typeof TpeSampler>[0] | 'random', obj: Objective): number {
  return median(
    SEEDS.map((seed) => {
      const o = make();
      return optimize(o === 'random' ? new RandomSampler() : new TpeSampler(o), obj, TRIALS, seed);
    }),
  );
}

describe.each([branin, hartmann6, mixed])('TPE on $name (100 trials, median of 10 seeds)', (obj) => {
  const random = medianBest(() => 'random', obj);

  it('multivariate TPE (the default) is clearly better than random: at most half its distance to the optimum', () => {
    const tpe = medianBest(() => ({}), obj);
    expect(tpe - obj.optimum).toBeLessThan(0.5 * (random - obj.optimum));
  });

  it('independent TPE is clearly better than random', () => {
    const tpe = medianBest(() => ({ multivariate: false }), obj);
    expect(tpe - obj.optimum).toBeLessThan(0.6 * (random - obj.optimum));
  });
});

describe('TPE on Branin', () => {
  it('gets within 2% of the optimum 0.397887 (median of 10 seeds, 100 trials)', () => {
    const tpe = medianBest(() => ({}), branin);
    expect(tpe).toBeLessThan(0.397887 * 1.02);
    expect(tpe).toBeGreaterThanOrEqual(0.397887 - 1e-6);
  });
});
