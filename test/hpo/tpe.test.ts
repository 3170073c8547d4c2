import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/hpo/rng';
import { defaultGamma, defaultWeights } from '../../lib/hpo/samplers/tpe/gamma';
import { ParzenEstimator } from '../../lib/hpo/samplers/tpe/parzen';
import { TpeSampler } from '../../lib/hpo/samplers/tpe/sampler';
import { splitTrials } from '../../lib/hpo/samplers/tpe/split';
import type { FrozenTrial } from '../../lib/hpo/types';
import { branin } from '../../testkit/hpo/objectives';

const trial = (number: number, state: FrozenTrial['state'], value?: number, steps: number[] = []): FrozenTrial => ({
  number,
  state,
  params: { x1: number, x2: 0 },
  ...(value !== undefined ? { value } : {}),
  intermediate: new Map(steps.map((s) => [s, value ?? 0])),
});

describe('TPE steps', () => {
  it('gamma: ceil(10 %) of finished trials, at most 25; weights ramp up for old trials beyond 25', () => {
    expect([defaultGamma(1), defaultGamma(10), defaultGamma(11), defaultGamma(1000)]).toEqual([1, 1, 2, 25]);
    expect([...defaultWeights(3)]).toEqual([1, 1, 1]);
    const w = defaultWeights(50);
    expect(w[0]).toBeCloseTo(1 / 50, 12);
    expect(w[24]).toBeCloseTo(1, 12);
    expect([...w.slice(25)].every((x) => x === 1)).toBe(true);
  });

  it('split: best complete trials are good, then pruned by step reached; running trials are bad (constant liar)', () => {
    const ts = [trial(0, 'complete', 5), trial(1, 'pruned', 1, [1, 2]), trial(2, 'complete', 3), trial(3, 'running'), trial(4, 'failed'), trial(5, 'pruned', 9, [1, 2, 3])];
    const { below, above } = splitTrials(ts, 'minimize', 3, true);
    expect(below.map((t) => t.number)).toEqual([0, 2, 5]);
    expect(above.map((t) => t.number)).toEqual([1, 3]);
    expect(splitTrials(ts, 'maximize', 1, false).below.map((t) => t.number)).toEqual([0]);
    expect(splitTrials(ts, 'minimize', 1, false).above.map((t) => t.number)).toEqual([0, 1, 5]);
  });

  it('Parzen estimator: a normalised density on its interval, peaked at the observations', () => {
    const est = new ParzenEstimator([{ kind: 'numeric', lo: 0, hi: 1, minWidth: 1e-4 }], [Float64Array.of(0.2, 0.25, 0.8)], new Float64Array(3).fill(1), { priorWeight: 1, bandwidth: 'neighbours', magicClip: true });
    const n = 20_000;
    const grid = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const dens = est.logPdf([grid], n).map(Math.exp);
    expect(dens.reduce((a, b) => a + b, 0) / n).toBeCloseTo(1, 3);
    const at = (x: number) => Math.exp(est.logPdf([Float64Array.of(x)], 1)[0]!);
    expect(at(0.22)).toBeGreaterThan(at(0.5));
    const draws = est.sample(new Rng(1), 2000)[0]!;
    expect(draws.every((x) => x >= 0 && x <= 1)).toBe(true);
  });

  it('categorical kernels put extra mass on the observed choice', () => {
    const est = new ParzenEstimator([{ kind: 'categorical', k: 3 }], [Float64Array.of(2, 2)], new Float64Array(2).fill(1), { priorWeight: 1, bandwidth: 'scott', magicClip: false });
    const p = est.logPdf([Float64Array.of(0, 1, 2)], 3).map(Math.exp);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeGreaterThan(p[0]! * 2);
  });

  it('constant liar spreads parallel asks: 16 asks with no tells do not pile onto one point', () => {
    const spread = (constantLiar: boolean) => {
      const s = new TpeSampler({ constantLiar });
      const trials: FrozenTrial[] = [];
      const rng = new Rng(1);
      for (let i = 0; i < 30; i++) {
        const params = { x1: rng.uniform(-5, 10), x2: rng.uniform(0, 15) };
        trials.push({ number: i, state: 'complete', params, value: branin.f(params), intermediate: new Map() });
      }
      const asked: { x1: number; x2: number }[] = [];
      for (let i = 30; i < 46; i++) {
        const p = s.sample({ space: branin.space, direction: 'minimize', trials, number: i, rng: new Rng(1, i) }) as { x1: number; x2: number };
        asked.push(p);
        trials.push({ number: i, state: 'running', params: p, intermediate: new Map() });
      }
      let mean = 0;
      let min = Infinity;
      for (let i = 0; i < asked.length; i++) {
        for (let j = i + 1; j < asked.length; j++) {
          const d = Math.hypot((asked[i]!.x1 - asked[j]!.x1) / 15, (asked[i]!.x2 - asked[j]!.x2) / 15);
          mean += d / 120;
          min = Math.min(min, d);
        }
      }
      return { mean, min };
    };
    const liar = spread(true);
    const none = spread(false);
    expect(liar.min).toBeGreaterThan(5 * none.min);
    expect(liar.mean).toBeGreaterThan(2 * none.mean);
  });
});
