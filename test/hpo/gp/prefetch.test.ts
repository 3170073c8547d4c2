// The GP off the service's event loop: heavy proposals are computed on the engine's proposal thread,
// ahead of the ask after a tell, and are always the proposals an in-process engine makes.
import { describe, expect, it } from 'vitest';
import { HpoEngine, SqliteStore } from '../../../lib/hpo/service';
import type { Params } from '../../../lib/hpo/space';
import { branin, mixed, type Objective } from '../../../testkit/hpo/objectives';

type Step = (engine: HpoEngine, study: string) => Promise<void>;

/** Runs `trials` asks and tells on a fresh engine; `between` runs after each tell. Returns the params and the engine's ahead hits. */
async function study(o: { obj: Objective; sampler: Record<string, unknown>; trials: number; thread: boolean; between?: Step }): Promise<{ params: Params[]; hits: number }> {
  const engine = new HpoEngine(new SqliteStore(':memory:'), { proposalThread: o.thread });
  try {
    await engine.createStudy({ name: 's', space: o.obj.space, sampler: o.sampler });
    const params: Params[] = [];
    for (let i = 0; i < o.trials; i++) {
      const t = await engine.ask('s');
      params.push(t.params);
      await engine.tell('s', t.number, 'complete', o.obj.f(t.params));
      await o.between?.(engine, 's');
    }
    return { params, hits: engine.aheadHits };
  } finally {
    await engine.close();
  }
}

const gp = { name: 'gp', seed: 7, nStartupTrials: 5 };

describe('GP on the proposal thread', () => {
  it('asked at once after each tell, the ask waits for the proposal computing ahead: same proposals as in process', async () => {
    const inProcess = await study({ obj: branin, sampler: gp, trials: 14, thread: false });
    const atOnce = await study({ obj: branin, sampler: gp, trials: 14, thread: true });
    expect(atOnce.params).toEqual(inProcess.params);
    // Every ask after a fitted tell (trials 5..13 are heavy; the 5th tell is the first to make the next ask heavy).
    expect(atOnce.hits).toBe(9);
    expect(inProcess.hits).toBe(0);
  });

  it('auto on a mixed space: the same proposals through the thread as in process', async () => {
    const auto = { name: 'auto', seed: 4 };
    const inProcess = await study({ obj: mixed, sampler: auto, trials: 14, thread: false });
    const threaded = await study({ obj: mixed, sampler: auto, trials: 14, thread: true });
    expect(threaded.params).toEqual(inProcess.params);
    expect(threaded.hits).toBe(4);
  });

  it('a change between the tell and the ask (a running trial told, a new trial) is not served the stale proposal', async () => {
    // Each round: ask two, tell one, ask-and-tell another before the next ask: the proposal computed after the first tell is stale.
    const run = async (thread: boolean) => {
      const engine = new HpoEngine(new SqliteStore(':memory:'), { proposalThread: thread });
      try {
        await engine.createStudy({ name: 's', space: branin.space, sampler: gp });
        const out: Params[] = [];
        let held = await engine.ask('s');
        for (let i = 0; i < 10; i++) {
          const t = await engine.ask('s');
          out.push(t.params);
          await engine.tell('s', t.number, 'complete', branin.f(t.params));
          await engine.tell('s', held.number, 'complete', branin.f(held.params));
          held = await engine.ask('s');
          out.push(held.params);
        }
        return { out, hits: engine.aheadHits };
      } finally {
        await engine.close();
      }
    };
    const a = await run(true);
    const b = await run(false);
    expect(a.out).toEqual(b.out);
  });

  it('while the thread computes, the event loop answers other requests: a tell and another study’s ask finish first', async () => {
    const engine = new HpoEngine(new SqliteStore(':memory:'));
    try {
      await engine.createStudy({ name: 'g', space: branin.space, sampler: { ...gp, nStartupTrials: 3 } });
      await engine.createStudy({ name: 't', space: branin.space, sampler: { name: 'tpe', seed: 1 } });
      for (let i = 0; i < 3; i++) {
        const t = await engine.ask('g');
        await engine.tell('g', t.number, 'complete', branin.f(t.params));
      }
      const held = await engine.ask('g'); // fitted: computed on the thread
      const order: string[] = [];
      const heavy = engine.ask('g').then(() => order.push('gp ask'));
      const told = engine.tell('g', held.number, 'complete', 1).then(() => order.push('tell'));
      const other = engine.ask('t').then(() => order.push('tpe ask'));
      await Promise.all([heavy, told, other]);
      expect(order.indexOf('gp ask')).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('close ends the thread: a pending ask fails with a clear message, and engines started and closed many times leave none behind', async () => {
    for (let k = 0; k < 4; k++) {
      const engine = new HpoEngine(new SqliteStore(':memory:'));
      await engine.createStudy({ name: 's', space: branin.space, sampler: { ...gp, nStartupTrials: 2 } });
      for (let i = 0; i < 2; i++) {
        const t = await engine.ask('s');
        await engine.tell('s', t.number, 'complete', branin.f(t.params));
      }
      const failed = expect(engine.ask('s')).rejects.toThrow(/closing/);
      await engine.close();
      await failed;
      expect(engine['thread']?.['worker']).toBeUndefined();
    }
  });
});
