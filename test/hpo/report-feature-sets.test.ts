import { describe, expect, it } from 'vitest';
import { HpoEngine, SqliteStore } from '../../lib/hpo/service';
import { bestPerFeatureSet } from '../../lib/hpo/report/feature-sets';
import { summaryHtml } from '../../lib/hpo/report/html';

async function study(space: Record<string, unknown>, value: (p: Record<string, unknown>) => number) {
  const engine = new HpoEngine(new SqliteStore(':memory:'));
  await engine.createStudy({ name: 'fs', space: space as never, sampler: { name: 'random', seed: 3 }, metric: 'val_rmse' });
  for (let i = 0; i < 40; i++) {
    const t = await engine.ask('fs');
    await engine.tell('fs', t.number, 'complete', value(t.params));
  }
  const d = engine.getStudy('fs');
  engine.close();
  return d;
}

describe('report: best value per feature set', () => {
  it('groups complete trials by missing/bins and gives each group its best trial, best first', async () => {
    const d = await study(
      { missing: { type: 'categorical', choices: ['drop', 'mean'] }, bins: { type: 'categorical', choices: [0, 64, 128] }, lr: { type: 'float', low: 0, high: 1 } },
      (p) => (p.bins as number) / 100 + (p.missing === 'mean' ? 0.5 : 0) + (p.lr as number),
    );
    const rows = bestPerFeatureSet(d);
    expect(rows).toHaveLength(6);
    expect(rows.reduce((s, r) => s + r.trials, 0)).toBe(40);
    for (const r of rows) {
      const members = d.trials.filter((t) => t.params.missing === r.stages.missing && t.params.bins === r.stages.bins);
      expect(r.trials).toBe(members.length);
      expect(r.bestValue).toBe(Math.min(...members.map((t) => t.value!)));
    }
    expect(rows.map((r) => r.bestValue)).toEqual([...rows.map((r) => r.bestValue)].sort((a, b) => a - b));
    expect(rows[0]!.stages).toEqual({ missing: 'drop', bins: 0 });
    const html = summaryHtml(d, []);
    expect(html).toContain('<h2>Best per feature set</h2>');
  });

  it('is empty (and the report has no such section) when the space searches no feature stage', async () => {
    const d = await study({ lr: { type: 'float', low: 0, high: 1 } }, (p) => p.lr as number);
    expect(bestPerFeatureSet(d)).toEqual([]);
    expect(summaryHtml(d, [])).not.toContain('Best per feature set');
  });
});
