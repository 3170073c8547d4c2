import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main';
import { memoryIo } from '../../lib/cli/io';
import { commands } from '../../lib/cli/commands';
import { HpoClient } from '../../lib/hpo';
import { HpoEngine, SqliteStore, startHpoService } from '../../lib/hpo/service';
import { pedAnovaImportances } from '../../lib/hpo/report/importance';
import { describe as describeStats, quantile } from '../../lib/hpo/report/stats';
import { renderReport, summaryHtml } from '../../lib/hpo/report/html';

const space = {
  x: { type: 'float', low: -3, high: 3 },
  noise: { type: 'float', low: 0, high: 1 },
  lr: { type: 'float', low: 1e-4, high: 1, log: true },
  opt: { type: 'categorical', choices: ['Adam', 'SGD'] },
} as const;

async function studyDetail() {
  const engine = new HpoEngine(new SqliteStore(':memory:'));
  await engine.createStudy({ name: 'rep', space, sampler: { name: 'random', seed: 2 }, metric: 'val_rmse' });
  for (let i = 0; i < 80; i++) {
    const t = await engine.ask('rep');
    const x = t.params.x as number;
    await engine.tell('rep', t.number, 'complete', x * x + (t.params.opt === 'Adam' ? 0 : 0.5) + 0.01 * (t.params.noise as number));
  }
  const d = engine.getStudy('rep');
  engine.close();
  return d;
}

describe('study report', () => {
  it('PED-ANOVA ranks the parameters the objective depends on above the ones it ignores', async () => {
    const imp = pedAnovaImportances(await studyDetail());
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(imp.x).toBeGreaterThan(imp.noise! * 3);
    expect(imp.x).toBeGreaterThan(imp.lr! * 3);
  });

  it("the study's view carries the same importances as its report, and all 0 before 4 trials are complete", async () => {
    const d = await studyDetail();
    expect(d.importances).toEqual(pedAnovaImportances(d));
    expect(d.importances!['x']).toBeGreaterThan(d.importances!['noise']! * 3);
    const engine = new HpoEngine(new SqliteStore(':memory:'));
    await engine.createStudy({ name: 'few', space, sampler: { name: 'random', seed: 2 } });
    for (let i = 0; i < 3; i++) await engine.tell('few', (await engine.ask('few')).number, 'complete', i);
    await engine.ask('few');
    expect(engine.getStudy('few').importances).toEqual({ x: 0, noise: 0, lr: 0, opt: 0 });
    engine.close();
  });

  it('describe() matches pandas: count, mean, std (n-1), quartiles by linear interpolation', async () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    const rows = describeStats(await studyDetail());
    const value = rows.find((r) => r.column === 'value')!;
    expect(value.count).toBe(80);
    expect(value.min).toBeLessThanOrEqual(value.q25!);
    expect(rows.find((r) => r.column === 'params_opt')).toMatchObject({ count: 80, unique: 2 });
  });

  it('renders an HTML summary with the best trial, statistics and four SVG plots (vega-lite, headless)', async () => {
    const d = await studyDetail();
    const html = await renderReport(d, { contour: ['x', 'lr'] });
    expect(html).toContain(`trial ${d.best!.number}`);
    expect(html).toContain('Statistics of complete trials');
    expect(html.match(/<svg/g)).toHaveLength(4);
    for (const title of ['Optimisation history', 'Parameter importances (PED-ANOVA)', 'Parallel coordinates', 'Contour: x × lr']) expect(html).toContain(title);
    // No best model before the study's end with tracking; once there, one line names its URIs.
    expect(html).not.toContain('best model:');
    const runOnly = summaryHtml({ ...d, bestModel: { runId: 'abc', artifactPath: 'best_model', uri: 'runs:/abc/best_model' } }, []);
    expect(runOnly).toContain('<p class="best-model">best model: <code>runs:/abc/best_model</code></p>');
    const registered = summaryHtml(
      { ...d, bestModel: { runId: 'abc', artifactPath: 'best_model', uri: 'runs:/abc/best_model', registeredModel: { name: 'rep<1>', version: '3', uri: 'models:/rep<1>/3' } } },
      [],
    );
    expect(registered).toContain('registered as <code>models:/rep&lt;1&gt;/3</code>');
  });

  it('dojo hpo report STUDY --out DIR writes index.html and the SVGs; the service serves the same report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dojo-hpo-report-'));
    const svc = await startHpoService({ dbFile: ':memory:' });
    try {
      const c = new HpoClient(svc.url);
      await c.createStudy({ name: 'cli', space, sampler: { name: 'tpe', seed: 1 } });
      for (let i = 0; i < 20; i++) {
        const t = (await c.ask('cli'))!;
        await c.tell('cli', t.number, 'complete', (t.params.x as number) ** 2);
      }
      const io = memoryIo();
      const code = await main(['node', 'dojo', 'hpo', 'report', 'cli', '--out', dir, '--hpo', svc.url, '--contour', 'x,noise', '--json'], io, commands);
      expect(io.stderr.join('\n')).not.toContain('error');
      expect(code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['contour.svg', 'history.svg', 'importances.svg', 'index.html', 'parallel_coordinates.svg']);
      expect(JSON.parse(io.stdout[0]!).files).toHaveLength(5);
      expect(readFileSync(join(dir, 'history.svg'), 'utf8')).toMatch(/^<svg/);
      const served = await fetch(`${svc.url}/api/v1/studies/cli/report`);
      expect(served.headers.get('content-type')).toContain('text/html');
      expect((await served.text()).match(/<svg/g)).toHaveLength(4);
      const bad = await fetch(`${svc.url}/api/v1/studies/cli/report?x=nope&y=x`);
      expect(bad.status).toBe(400);
      const io2 = memoryIo();
      expect(await main(['node', 'dojo', 'hpo', 'report', 'missing', '--out', dir, '--hpo', svc.url], io2, commands)).toBe(1);
      expect(io2.stderr.join('\n')).toContain('study missing not found');
    } finally {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
