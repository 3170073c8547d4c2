import { describe, expect, it } from 'vitest';
import { HpoEngine } from '../../lib/hpo/engine';
import { SqliteStore } from '../../lib/hpo/storage/sqlite';
import { median } from '../../testkit/hpo/objectives';

/** A learning curve: loss decays towards a floor set by lr (best near 1e-2) and width; bad configs stay bad. */
function loss(params: Record<string, unknown>, step: number): number {
  const lr = params.lr as number;
  const floor = (Math.log10(lr) + 2) ** 2 + 0.02 * Math.abs((params.width as number) - 64) / 64;
  return floor + 3 * Math.exp(-step / 8);
}

const STEPS = 27;

async function study(pruner: Record<string, unknown>): Promise<{ steps: number; best: { value: number; params: Record<string, unknown> }; prunedFloors: number[]; completeFloors: number[] }> {
  const engine = new HpoEngine(new SqliteStore(':memory:'));
  await engine.createStudy({
    name: 'curve',
    space: { lr: { type: 'float', low: 1e-5, high: 1, log: true }, width: { type: 'int', low: 8, high: 128 } },
    sampler: { name: 'tpe', seed: 4 },
    pruner,
    maxTrials: 30,
  });
  let steps = 0;
  for (let i = 0; i < 30; i++) {
    const t = await engine.ask('curve');
    let pruned = false;
    for (let s = 1; s <= STEPS && !pruned; s++) {
      steps++;
      pruned = engine.report('curve', t.number, s, loss(t.params, s)).prune;
    }
    await engine.tell('curve', t.number, pruned ? 'pruned' : 'complete', pruned ? undefined : loss(t.params, STEPS));
  }
  const detail = engine.getStudy('curve');
  engine.close();
  const prunedFloors = detail.trials.filter((t) => t.state === 'pruned').map((t) => loss(t.params, Infinity));
  const completeFloors = detail.trials.filter((t) => t.state === 'complete').map((t) => loss(t.params, Infinity));
  return { steps, best: detail.best!, prunedFloors, completeFloors };
}

describe('ASHA pruning', () => {
  it('30 trials of a learning-curve function: far fewer steps than without pruning, best in the same region', async () => {
    const full = await study({ name: 'none' });
    const asha = await study({ name: 'asha', minResource: 1, reductionFactor: 3 });
    expect(full.steps).toBe(30 * STEPS);
    expect(asha.steps).toBeLessThan(0.85 * full.steps);
    // What was stopped was mostly bad: the typical pruned trial's floor is worse than the typical complete one's.
    expect(asha.prunedFloors.length).toBeGreaterThan(3);
    expect(median(asha.prunedFloors)).toBeGreaterThan(median(asha.completeFloors));
    // Same region: lr within a factor of ~3 of the optimum 1e-2, value close to the unpruned best.
    for (const r of [full, asha]) expect(Math.abs(Math.log10(r.best.params.lr as number) + 2)).toBeLessThan(0.5);
    expect(asha.best.value).toBeLessThan(full.best.value + 0.1);
  });
});
