import { describe, expect, it } from 'vitest';
import { Rng } from '../../../lib/hpo/rng';
import { AutoSampler } from '../../../lib/hpo/samplers/auto';
import { GpSampler } from '../../../lib/hpo/samplers/gp/sampler';
import { HpoEngine, SqliteStore } from '../../../lib/hpo/service';
import type { FrozenTrial } from '../../../lib/hpo/types';
import { branin, mixed } from '../../../testkit/hpo/objectives';

const ctx = (trials: FrozenTrial[], seed: number, space = branin.space) => ({ space, direction: 'minimize' as const, trials, number: trials.length, rng: new Rng(seed, trials.length) });

/** A history of n complete trials made by a fresh GP sampler on obj. */
function history(n: number, seed: number, space = branin.space, f = branin.f): FrozenTrial[] {
  const s = new GpSampler(seed, { nStartupTrials: 5 });
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < n; i++) {
    const p = s.propose(ctx(trials, seed, space));
    trials.push({ number: i, state: 'complete', params: p.params, value: f(p.params), intermediate: new Map(), ...(p.memo ? { memo: p.memo } : {}) });
  }
  return trials;
}

describe('GP prefetch', () => {
  it('hands out the prefetched proposal when the history is unchanged, equal to a fresh computation', () => {
    for (const seed of [1, 2]) {
      const trials = history(12, seed);
      const ahead = new GpSampler(seed, { nStartupTrials: 5 });
      ahead.prefetch(ctx(trials, seed));
      const served = ahead.propose(ctx(trials, seed));
      expect(ahead.cache.hits).toBe(1);
      expect(served).toEqual(new GpSampler(seed, { nStartupTrials: 5 }).propose(ctx(trials, seed)));
    }
  });

  it('recomputes when anything changed in between (a tell, a new running trial, another value)', () => {
    const trials = history(12, 3);
    const changes: ((t: FrozenTrial[]) => FrozenTrial[])[] = [
      (t) => [...t, { number: t.length, state: 'running', params: t[0]!.params, intermediate: new Map() }],
      (t) => t.map((x, i) => (i === 11 ? { ...x, value: x.value! + 1 } : x)),
      (t) => t.map((x, i) => (i === 11 ? { ...x, state: 'failed' as const } : x)),
    ];
    for (const change of changes) {
      const ahead = new GpSampler(3, { nStartupTrials: 5 });
      ahead.prefetch(ctx(trials, 3));
      const now = change(trials);
      const served = ahead.propose(ctx(now, 3));
      expect(ahead.cache.hits).toBe(0);
      expect(served).toEqual(new GpSampler(3, { nStartupTrials: 5 }).propose(ctx(now, 3)));
    }
  });

  it('auto prefetches through its GP on a mixed space', () => {
    const trials = history(12, 4, mixed.space, mixed.f);
    const auto = new AutoSampler(mixed.space, 4);
    auto.prefetch(ctx(trials, 4, mixed.space));
    const served = auto.propose(ctx(trials, 4, mixed.space));
    expect(served).toEqual(new AutoSampler(mixed.space, 4).propose(ctx(trials, 4, mixed.space)));
  });

  it('the engine prefetches after a tell: a study asked after its prefetch ran makes the same proposals as one asked at once', async () => {
    const run = async (waitForPrefetch: boolean) => {
      const engine = new HpoEngine(new SqliteStore(':memory:'));
      await engine.createStudy({ name: 's', space: branin.space, sampler: { name: 'gp', seed: 7, nStartupTrials: 5 } });
      const params: unknown[] = [];
      for (let i = 0; i < 14; i++) {
        const t = await engine.ask('s');
        params.push(t.params);
        await engine.tell('s', t.number, 'complete', branin.f(t.params));
        // The engine schedules its prefetch with setImmediate after the tell; this one runs after it.
        if (waitForPrefetch) await new Promise((r) => setImmediate(r));
      }
      // Private access on purpose: how many asks the prefetch served is not part of the engine's API.
      const sampler = [...engine['studies'].values()][0]!.sampler as GpSampler;
      engine.close();
      return { params, hits: sampler.cache.hits };
    };
    const ahead = await run(true);
    const atOnce = await run(false);
    expect(ahead.params).toEqual(atOnce.params);
    // Every ask after the first was served from the prefetch (startup rows too); none when asked at once.
    expect(ahead.hits).toBe(13);
    expect(atOnce.hits).toBe(0);
  });
});
