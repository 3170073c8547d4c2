import { describe, expect, it } from 'vitest';
import { Rng } from '../../../lib/hpo/rng';
import { AUTO_GP_MAX_TRIALS, AutoSampler, conditionalParams, decideAuto } from '../../../lib/hpo/samplers/auto';
import { encodeParams, encodeSpace } from '../../../lib/hpo/samplers/gp/encode';
import { GpSampler } from '../../../lib/hpo/samplers/gp/sampler';
import { RandomSampler } from '../../../lib/hpo/samplers/random';
import type { SearchSpace } from '../../../lib/hpo/space';
import type { FrozenTrial, Sampler } from '../../../lib/hpo/types';
import { branin, median, mixed, type Objective } from '../../../testkit/hpo/objectives';

/** Sequential optimisation keeping each proposal's label and memo, as the engine does. */
function optimizeLabelled(sampler: Sampler, obj: Objective, n: number, seed: number): { best: number; labels: string[] } {
  const trials: FrozenTrial[] = [];
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const p = sampler.propose!({ space: obj.space, direction: 'minimize', trials, number: i, rng: new Rng(seed, i) })!;
    const value = obj.f(p.params);
    trials.push({ number: i, state: 'complete', params: p.params, value, intermediate: new Map(), sampler: p.by, ...(p.memo ? { memo: p.memo } : {}) });
    best = Math.min(best, value);
  }
  return { best, labels: trials.map((t) => t.sampler!) };
}

describe('GP sampler', () => {
  it('on Branin, 40 trials: median regret over 3 seeds below 0.01 and far below random search', () => {
    const gp = [1, 2, 3].map((seed) => optimizeLabelled(new GpSampler(seed), branin, 40, seed).best - branin.optimum);
    const random: number[] = [];
    for (const seed of [1, 2, 3]) {
      const trials: FrozenTrial[] = [];
      let best = Infinity;
      for (let i = 0; i < 40; i++) {
        const params = new RandomSampler().sample({ space: branin.space, direction: 'minimize', trials, number: i, rng: new Rng(seed, i) });
        best = Math.min(best, branin.f(params));
      }
      random.push(best - branin.optimum);
    }
    expect(median(gp)).toBeLessThan(0.01);
    expect(median(gp)).toBeLessThan(0.1 * median(random));
  });

  it('labels Latin-hypercube startup trials "gp-startup" and model trials "gp", storing the fitted hyperparameters', () => {
    const { labels } = optimizeLabelled(new GpSampler(4), branin, 13, 4);
    expect(labels).toEqual([...Array(10).fill('gp-startup'), 'gp', 'gp', 'gp']);
    const p = new GpSampler(4).propose({ space: branin.space, direction: 'minimize', trials: [], number: 0, rng: new Rng(4, 0) });
    expect(p.memo).toBeUndefined();
  });

  it('handles categorical and integer parameters: finds the best optimizer and batchnorm of the mixed space', () => {
    const sampler = new GpSampler(5);
    const trials: FrozenTrial[] = [];
    for (let i = 0; i < 45; i++) {
      const p = sampler.propose({ space: mixed.space, direction: 'minimize', trials, number: i, rng: new Rng(5, i) });
      trials.push({ number: i, state: 'complete', params: p.params, value: mixed.f(p.params), intermediate: new Map(), ...(p.memo ? { memo: p.memo } : {}) });
    }
    const last = trials.slice(-10);
    // After startup the GP settles on Adam with batchnorm (each worth 0.5-1.5 of the objective).
    expect(last.filter((t) => t.params.optimizer === 'Adam' && t.params.batchnorm === true).length).toBeGreaterThanOrEqual(6);
    expect(Math.min(...trials.map((t) => t.value!))).toBeLessThan(0.8);
  });

  it('maximises when asked: the same objective negated reaches the same region', () => {
    const neg: Objective = { ...branin, f: (p) => -branin.f(p) };
    const trials: FrozenTrial[] = [];
    const sampler = new GpSampler(6);
    for (let i = 0; i < 30; i++) {
      const p = sampler.propose({ space: neg.space, direction: 'maximize', trials, number: i, rng: new Rng(6, i) });
      trials.push({ number: i, state: 'complete', params: p.params, value: neg.f(p.params), intermediate: new Map(), ...(p.memo ? { memo: p.memo } : {}) });
    }
    expect(-Math.max(...trials.map((t) => t.value!)) - branin.optimum).toBeLessThan(0.05);
  });

  it('keeps parallel asks apart: 8 asks with every trial still running spread out, where without the liar they pile up', () => {
    const spread = (constantLiar: boolean): number => {
      const sampler = new GpSampler(7, { constantLiar });
      const trials: FrozenTrial[] = [];
      for (let i = 0; i < 15; i++) {
        const p = sampler.propose({ space: branin.space, direction: 'minimize', trials, number: i, rng: new Rng(7, i) });
        trials.push({ number: i, state: 'complete', params: p.params, value: branin.f(p.params), intermediate: new Map(), ...(p.memo ? { memo: p.memo } : {}) });
      }
      const gs = encodeSpace(branin.space);
      const pts: Float64Array[] = [];
      for (let i = 15; i < 23; i++) {
        const p = sampler.propose({ space: branin.space, direction: 'minimize', trials, number: i, rng: new Rng(7, i) });
        const r = new Float64Array(2);
        encodeParams(gs, p.params, r);
        pts.push(r);
        trials.push({ number: i, state: 'running', params: p.params, intermediate: new Map(), ...(p.memo ? { memo: p.memo } : {}) });
      }
      let minDist = Infinity;
      for (let i = 0; i < pts.length; i++) for (let j = 0; j < i; j++) minDist = Math.min(minDist, Math.hypot(pts[i]![0]! - pts[j]![0]!, pts[i]![1]! - pts[j]![1]!));
      return minDist;
    };
    const apart = spread(true);
    expect(apart).toBeGreaterThan(1e-4);
    expect(apart).toBeGreaterThan(20 * spread(false));
  });

  it('models noisy observations: repeated points with different values fit without failing', () => {
    const space: SearchSpace = { x: { type: 'int', low: 0, high: 4 } };
    const rng = new Rng(1);
    const trials: FrozenTrial[] = Array.from({ length: 30 }, (_, i) => ({ number: i, state: 'complete', params: { x: i % 5 }, value: ((i % 5) - 2) ** 2 + 0.5 * rng.normal(), intermediate: new Map() }));
    const p = new GpSampler(1).propose({ space, direction: 'minimize', trials, number: 30, rng: new Rng(1, 30) });
    expect(p.by).toBe('gp');
    const theta = p.memo!.gp!;
    expect(Math.exp(theta[theta.length - 1]!)).toBeGreaterThan(1e-3); // the fitted noise variance is not the floor
    expect([1, 2, 3]).toContain(p.params.x);
  });
});

describe('auto sampler', () => {
  const conditional: SearchSpace = {
    lr: { type: 'float', low: 1e-4, high: 0.1, log: true },
    layers: { type: 'int', low: 1, high: 3 },
    neurons_l0: { type: 'int', low: 4, high: 64 },
    neurons_l1: { type: 'int', low: 4, high: 64 },
    neurons_l2: { type: 'int', low: 4, high: 64 },
  };

  it('chooses TPE for conditional spaces (per-layer widths with a layer count), many choices or many parameters, else the GP', () => {
    expect(conditionalParams(conditional)).toEqual(['neurons_l0', 'neurons_l1', 'neurons_l2']);
    expect(conditionalParams({ neurons_l0: conditional.neurons_l0! })).toEqual([]);
    expect(decideAuto(conditional)).toMatchObject({ name: 'tpe', reason: expect.stringContaining('conditional parameters (neurons_l0, neurons_l1, neurons_l2') });
    expect(decideAuto({ c: { type: 'categorical', choices: Array.from({ length: 30 }, (_, i) => `v${i}`) } })).toMatchObject({ name: 'tpe', reason: expect.stringContaining('c has 30 choices') });
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x${i}`, { type: 'float', low: 0, high: 1 }])) as SearchSpace;
    expect(decideAuto(wide)).toMatchObject({ name: 'tpe', reason: expect.stringContaining('30 parameters') });
    expect(decideAuto(mixed.space)).toMatchObject({ name: 'gp', reason: expect.stringContaining('mixed space of 6 parameters') });
    expect(decideAuto(branin.space)).toMatchObject({ name: 'gp', reason: expect.stringContaining('numeric space of 2 parameters') });
  });

  it('labels each trial with the sampler that produced it, and hands over to TPE after the GP trial limit', () => {
    const auto = new AutoSampler(branin.space, 3);
    expect(optimizeLabelled(auto, branin, 11, 3).labels).toEqual([...Array(10).fill('gp-startup'), 'gp']);
    const tpe = optimizeLabelled(new AutoSampler(conditional, 3), { name: 'c', space: conditional, optimum: 0, f: (p) => Math.log(p.lr as number) ** 2 }, 12, 3).labels;
    expect(tpe).toEqual([...Array(10).fill('tpe-startup'), 'tpe', 'tpe']);
    const rng = new Rng(9);
    const many: FrozenTrial[] = Array.from({ length: AUTO_GP_MAX_TRIALS }, (_, i) => {
      const params = { x1: rng.uniform(-5, 10), x2: rng.uniform(0, 15) };
      return { number: i, state: 'complete', params, value: branin.f(params), intermediate: new Map() };
    });
    expect(auto.propose({ space: branin.space, direction: 'minimize', trials: many, number: many.length, rng: new Rng(3, many.length) }).by).toBe('tpe');
  });
});
