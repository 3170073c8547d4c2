import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HpoEngine } from '../../lib/hpo/engine';
import { AshaPruner } from '../../lib/hpo/pruners/asha';
import { MedianPruner } from '../../lib/hpo/pruners/median';
import { NopPruner } from '../../lib/hpo/pruners/none';
import { Rng } from '../../lib/hpo/rng';
import { AutoSampler } from '../../lib/hpo/samplers/auto';
import { GpSampler } from '../../lib/hpo/samplers/gp/sampler';
import { GridSampler, gridAxes } from '../../lib/hpo/samplers/grid';
import { RandomSampler } from '../../lib/hpo/samplers/random';
import { TpeSampler } from '../../lib/hpo/samplers/tpe/sampler';
import { contains, type ParamSpec, type Params, type SearchSpace } from '../../lib/hpo/space';
import { SqliteStore } from '../../lib/hpo/storage/sqlite';
import type { FrozenTrial, Pruner, Sampler, TrialState } from '../../lib/hpo/types';

/** Every sampler, by the name and options a study spec would use. */
const SAMPLERS: { label: string; sampler: Record<string, unknown>; make: (space: SearchSpace, seed: number) => Sampler; needsSteps: boolean }[] = [
  { label: 'random', sampler: { name: 'random' }, make: () => new RandomSampler(), needsSteps: false },
  { label: 'grid', sampler: { name: 'grid' }, make: (s, seed) => new GridSampler(s, seed), needsSteps: true },
  { label: 'tpe independent', sampler: { name: 'tpe', multivariate: false, nStartupTrials: 5 }, make: () => new TpeSampler({ multivariate: false, nStartupTrials: 5 }), needsSteps: false },
  { label: 'tpe multivariate', sampler: { name: 'tpe', multivariate: true, nStartupTrials: 5 }, make: () => new TpeSampler({ multivariate: true, nStartupTrials: 5 }), needsSteps: false },
  { label: 'gp', sampler: { name: 'gp', nStartupTrials: 5 }, make: (_s, seed) => new GpSampler(seed, { nStartupTrials: 5, nCandidates: 128 }), needsSteps: false },
  // auto picks the GP on these spaces; its GP keeps the default 10 startup trials.
  { label: 'auto', sampler: { name: 'auto' }, make: (s, seed) => new AutoSampler(s, seed), needsSteps: false },
];

const PRUNERS: { label: string; make: () => Pruner }[] = [
  { label: 'none', make: () => new NopPruner() },
  { label: 'median', make: () => new MedianPruner({ nStartupTrials: 2 }) },
  { label: 'asha', make: () => new AshaPruner({ minResource: 1, reductionFactor: 2 }) },
];

const MIXED: SearchSpace = {
  lr: { type: 'float', low: 1e-4, high: 0.1, log: true },
  layers: { type: 'int', low: 1, high: 4 },
  units: { type: 'int', low: 8, high: 128, step: 8 },
  drop: { type: 'float', low: 0, high: 0.5, step: 0.1 },
  opt: { type: 'categorical', choices: ['Adam', 'SGD'] },
  bn: { type: 'categorical', choices: [true, false, 3] },
};

/** The mixed space with its log float replaced by a stepped one (the grid needs steps). */
const MIXED_GRID: SearchSpace = { ...MIXED, lr: { type: 'float', low: 0.01, high: 0.1, step: 0.01 } };

/** A numeric objective over any space, so the samplers have something to model. */
function objective(space: SearchSpace, p: Params): number {
  let s = 0;
  for (const [name, spec] of Object.entries(space)) {
    const v = p[name];
    if (spec.type === 'categorical') s += spec.choices.indexOf(v as never);
    else s += (((v as number) - spec.low) / (spec.high - spec.low || 1) - 0.3) ** 2;
  }
  return s;
}

function run(sampler: Sampler, space: SearchSpace, seed: number, n: number, parallel = 1): Params[] {
  const trials: FrozenTrial[] = [];
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    const ctx = { space, direction: 'minimize' as const, trials, number: i, rng: new Rng(seed, i) };
    // As the engine does: the proposal's label and memo are kept with the trial.
    const proposal = sampler.propose ? sampler.propose(ctx) : undefined;
    const params = proposal ? proposal.params : sampler.sample(ctx);
    if (!params) break;
    out.push(params);
    trials.push({ number: i, state: 'running', params, intermediate: new Map(), ...(proposal?.memo ? { memo: proposal.memo } : {}) });
    // With parallel > 1, trials stay running for a while (constant liar path).
    const done = i - parallel + 1;
    if (done >= 0) {
      const t = trials[done]!;
      trials[done] = { ...t, state: 'complete' as TrialState, value: objective(space, t.params) };
    }
  }
  return out;
}

const stepFloat = fc
  .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(0.5, 1, 0.25, 2))
  .map(([low, k, step]): ParamSpec => ({ type: 'float', low, high: low + k * step, step }));
const contFloat = fc
  .tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true }), fc.boolean())
  .map(([a, w, log]): ParamSpec => (log ? { type: 'float', low: Math.abs(a) + 1e-3, high: Math.abs(a) + 1e-3 + w, log: true } : { type: 'float', low: a, high: a + w }));
const intParam = fc
  .tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.boolean())
  .map(([low, k, step, log]): ParamSpec => (log ? { type: 'int', low: Math.abs(low) + 1, high: Math.abs(low) + 1 + k * step, log: true } : { type: 'int', low, high: low + k * step, step }));
const catParam = fc.uniqueArray(fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.boolean()), { minLength: 1, maxLength: 5, selector: (v) => `${typeof v}:${String(v)}` }).map((choices): ParamSpec => ({ type: 'categorical', choices }));

function spaceArb(needsSteps: boolean) {
  const param = needsSteps ? fc.oneof(stepFloat, intParam, catParam) : fc.oneof(stepFloat, contFloat, intParam, catParam);
  return fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'lr', 'x'), param), { minLength: 1, maxLength: 4, selector: ([n]) => n }).map((entries) => Object.fromEntries(entries) as SearchSpace);
}

describe.each(SAMPLERS)('sampler contract: $label', ({ make, needsSteps, sampler }) => {
  const SPACE = needsSteps ? MIXED_GRID : MIXED;
  it('is deterministic: same seed and history give the same suggestions', () => {
    const a = run(make(SPACE, 7), SPACE, 7, 30, 3);
    const b = run(make(SPACE, 7), SPACE, 7, 30, 3);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(10);
  });

  it('depends on the seed', () => {
    expect(run(make(SPACE, 1), SPACE, 1, 12)).not.toEqual(run(make(SPACE, 2), SPACE, 2, 12));
  });

  it('always suggests values inside the space (property over random spaces)', () => {
    fc.assert(
      fc.property(spaceArb(needsSteps), fc.integer({ min: 0, max: 2 ** 31 }), (space, seed) => {
        for (const p of run(make(space, seed), space, seed, 16, 2)) {
          expect(Object.keys(p).sort()).toEqual(Object.keys(space).sort());
          for (const [name, spec] of Object.entries(space)) expect(contains(spec, p[name]), `${name}=${String(p[name])} in ${JSON.stringify(spec)}`).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('hands out trials through the engine with dense numbers and the same params for the same seed', async () => {
    const spec = { name: 's', direction: 'minimize', space: SPACE, sampler: { ...sampler, seed: 11 }, maxTrials: 12 };
    const once = async () => {
      const engine = new HpoEngine(new SqliteStore(':memory:'));
      await engine.createStudy(spec);
      const got: Params[] = [];
      for (let i = 0; i < 12; i++) {
        const t = await engine.ask('s');
        expect(t.number).toBe(i);
        got.push(t.params);
        await engine.tell('s', t.number, 'complete', objective(SPACE, t.params));
      }
      await expect(engine.ask('s')).rejects.toThrow(/all 12 trials are handed out/);
      engine.close();
      return got;
    };
    expect(await once()).toEqual(await once());
  });
});

describe('grid sampler', () => {
  it('is exhaustive: every grid point exactly once, then nothing (property over random grids)', () => {
    fc.assert(
      fc.property(spaceArb(true), fc.integer({ min: 0, max: 1000 }), (space, seed) => {
        const size = gridAxes(space).values.reduce((a, v) => a * v.length, 1);
        fc.pre(size <= 300);
        const got = run(new GridSampler(space, seed), space, seed, size + 5);
        expect(got.length).toBe(size);
        expect(new Set(got.map((p) => JSON.stringify(p))).size).toBe(size);
      }),
      { numRuns: 40 },
    );
  });

  it('hands a failed trial\'s point out again', () => {
    const space: SearchSpace = { a: { type: 'int', low: 0, high: 2 } };
    const g = new GridSampler(space, 1);
    const first = g.sample({ space, direction: 'minimize', trials: [], number: 0, rng: new Rng(1) })!;
    const again = g.sample({ space, direction: 'minimize', trials: [{ number: 0, state: 'failed', params: first, intermediate: new Map() }], number: 1, rng: new Rng(1) });
    expect(again).toEqual(first);
  });

  it('refuses floats without a step, naming the path', () => {
    expect(() => new GridSampler({ lr: { type: 'float', low: 0, high: 1 } }, 1)).toThrow('space.lr.step: the grid sampler needs a step');
  });
});

/** Learning curves: trial i converges to a final value that depends on i, so some are clearly worse. */
function curve(final: number, step: number): number {
  return final + 2 / (1 + step);
}

function pruneRun(pruner: Pruner, finals: number[], steps: number): { pruned: boolean[]; decisions: string } {
  const trials: FrozenTrial[] = [];
  const pruned: boolean[] = [];
  let decisions = '';
  for (let i = 0; i < finals.length; i++) {
    const intermediate = new Map<number, number>();
    const t: { number: number; state: TrialState; params: Params; intermediate: Map<number, number>; value?: number } = { number: i, state: 'running', params: {}, intermediate };
    trials.push(t);
    let stopped = false;
    for (let s = 1; s <= steps && !stopped; s++) {
      intermediate.set(s, curve(finals[i]!, s));
      stopped = pruner.shouldPrune({ direction: 'minimize', trial: t, step: s, trials });
      decisions += stopped ? 'P' : '.';
    }
    t.state = stopped ? 'pruned' : 'complete';
    t.value = curve(finals[i]!, steps);
    pruned.push(stopped);
  }
  return { pruned, decisions };
}

describe.each(PRUNERS)('pruner contract: $label', ({ make }) => {
  const finals = [0.5, 0.9, 0.1, 0.7, 0.3, 1.5, 0.05, 2.0, 0.6, 0.2, 1.1, 0.01];

  it('is deterministic: same reports give the same decisions', () => {
    expect(pruneRun(make(), finals, 9).decisions).toBe(pruneRun(make(), finals, 9).decisions);
  });

  it('never prunes the first trial or a trial that is the best at every step', () => {
    const { pruned } = pruneRun(make(), finals, 9);
    expect(pruned[0]).toBe(false);
    // Trials 2, 6 and 11 each beat every earlier trial at every step.
    expect([pruned[2], pruned[6], pruned[11]]).toEqual([false, false, false]);
  });

  it('prunes only what is worse than something seen (none prunes nothing)', () => {
    const { pruned } = pruneRun(make(), finals, 9);
    if (make().name === 'none') expect(pruned.every((p) => !p)).toBe(true);
    else expect(pruned.some((p) => p)).toBe(true);
  });
});

describe('median pruner', () => {
  it('respects warm-up steps and the minimum number of complete trials', () => {
    const finals = [0.1, 0.2, 5, 5, 5];
    expect(pruneRun(new MedianPruner({ nStartupTrials: 5 }), finals, 5).pruned.every((p) => !p)).toBe(true);
    const warm = pruneRun(new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 3 }), finals, 5);
    expect(warm.pruned[2]).toBe(true);
    expect(warm.decisions.slice(10, 13)).toBe('..P'); // trial 2: steps 1-2 are warm-up, step 3 is judged
  });
});

describe('asha pruner', () => {
  it('places rungs at minResource · rf^(k+s) and judges only at the first report past a rung', () => {
    const a = new AshaPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 });
    expect([a.rungStep(0), a.rungStep(1)]).toEqual([6, 18]);
    const { decisions } = pruneRun(a, [0.1, 5], 10);
    expect(decisions).toBe('..........' + '.....P');
  });
});
