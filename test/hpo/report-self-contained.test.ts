import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { HpoEngine, SqliteStore, startHpoService } from '../../lib/hpo/service';
import { renderPlots, renderReportFiles, summaryHtml } from '../../lib/hpo/report/html';
import { stateWords } from '../../lib/hpo/report/states';
import { startTrackingServer, TrackingClient } from '../../lib/tracking';

// Issue 16: the study report is one self-contained HTML page, because MLflow's UI shows an HTML
// artifact in a frame loaded from a blob: URL, where nothing beside the page can be fetched. Issue
// 17: the report names each trial's state in the study's words. Screenshots in test-artifacts/hpo-report/.
const SHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'hpo-report');
const space = {
  lr: { type: 'float', low: 1e-4, high: 1, log: true },
  batch_size: { type: 'int', low: 64, high: 1024 },
  optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] },
} as const;

/** A study with complete, pruned (after reports at steps 10 and 20), failed and running trials. */
async function mixedStudy() {
  const engine = new HpoEngine(new SqliteStore(':memory:'));
  await engine.createStudy({ name: 'mixed', space, sampler: { name: 'random', seed: 4 }, metric: 'val_rmse', pruner: { name: 'none' } });
  for (let i = 0; i < 14; i++) {
    const t = await engine.ask('mixed');
    const v = Math.log(t.params.lr as number) ** 2 / 10 + (t.params.optimizer === 'SGD' ? 1 : 0);
    if (i === 3) {
      await engine.report('mixed', t.number, 10, v + 2);
      await engine.report('mixed', t.number, 20, v + 1);
      await engine.tell('mixed', t.number, 'pruned', v + 1);
    } else if (i === 5) await engine.tell('mixed', t.number, 'fail');
    else if (i !== 13) await engine.tell('mixed', t.number, 'complete', v);
  }
  const d = engine.getStudy('mixed');
  engine.close();
  return d;
}

/** Every URL-like reference of a page: src/href attributes and CSS/SVG url(...). */
function references(html: string): string[] {
  const attrs = [...html.matchAll(/\b(?:src|href|xlink:href|srcset|action|data)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
  const urls = [...html.matchAll(/url\(\s*['"]?([^'")]*)['"]?\s*\)/gi)].map((m) => m[1]!);
  return [...attrs, ...urls];
}

let browser: Browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => browser?.close());

describe('the study report as one self-contained HTML page', () => {
  it('index.html has its plots inline and no relative URL, script or stylesheet link', async () => {
    const files = await renderReportFiles(await mixedStudy(), { contour: ['lr', 'optimizer'] });
    const index = files.find((f) => f.name === 'index.html')!.content;
    expect(index.match(/<svg/g)).toHaveLength(4);
    expect(index).not.toMatch(/<script|<link|<img|@import/i);
    // Only in-page references (#gradient ids of the plots) remain, each pointing at an id the page has.
    const refs = references(index);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^#/);
    const ids = new Set([...index.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    for (const r of refs) expect(ids.has(r.slice(1))).toBe(true);
    expect(ids.size).toBe([...index.matchAll(/\bid="/g)].length); // no id twice across the plots
    // The plots stay available as files beside it too.
    expect(files.map((f) => f.name).sort()).toEqual(['contour.svg', 'history.svg', 'importances.svg', 'index.html', 'parallel_coordinates.svg']);
  }, 60_000);

  it('renders every plot when loaded from a blob: URL into a frame, as MLflow shows HTML artifacts', async () => {
    const files = await renderReportFiles(await mixedStudy(), { contour: ['lr', 'optimizer'] });
    const index = files.find((f) => f.name === 'index.html')!.content;
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    try {
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      await page.setContent('<!doctype html><html><body><iframe id="f" sandbox="allow-same-origin" style="width:1250px;height:850px;border:0"></iframe></body></html>');
      await page.evaluate((html) => {
        const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
        document.querySelector('iframe')!.src = url;
      }, index);
      const frame = page.frameLocator('#f');
      await frame.locator('h1').waitFor();
      expect(await frame.locator('h1').textContent()).toBe('Study mixed');
      const sizes = await frame.locator('figure > svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]));
      expect(sizes).toHaveLength(4);
      for (const [w, h] of sizes) {
        expect(w).toBeGreaterThan(100);
        expect(h).toBeGreaterThan(100);
      }
      // Nothing the page refers to failed to load (a relative <img src> fails in a blob: document).
      const broken = await frame.locator('img').evaluateAll((imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length);
      expect(broken).toBe(0);
      expect(failed).toEqual([]);
      await page.locator('#f').screenshot({ path: join(SHOTS, 'report-in-blob-frame.png') });
    } finally {
      await page.close();
    }
  }, 90_000);

  it('names each trial state in the study\'s words, with the failure reason and a sampler column when known', async () => {
    const d = await mixedStudy();
    expect(stateWords({ state: 'pruned', prunedAt: 20 })).toBe('pruned at step 20');
    expect(stateWords({ state: 'failed', reason: 'lr too high:\n  loss is NaN' })).toBe('failed: lr too high: loss is NaN');
    expect(stateWords({ state: 'failed', reason: 'x'.repeat(500) })).toHaveLength(168);
    const failed = d.trials.find((t) => t.state === 'failed')!;
    const notes = new Map([[failed.number, { reason: 'CUDA out of memory <at step 3>', sampler: 'random' }]]);
    const html = summaryHtml(d, [], notes);
    const rows = [...html.matchAll(/<tr class="(\w+)"><td>(\d+)<\/td><td class="state"[^>]*>([^<]*)<\/td>/g)].map((m) => [m[1], Number(m[2]), m[3]]);
    expect(rows).toHaveLength(14);
    const words = new Map(rows.map(([, n, w]) => [n, w]));
    expect(words.get(3)).toBe('pruned at step 20');
    expect(words.get(failed.number)).toBe('failed: CUDA out of memory &lt;at step 3&gt;');
    expect(words.get(13)).toBe('running');
    expect(words.get(0)).toBe('complete');
    expect(html).toContain('<th>sampler</th>');
    // The service names each trial's sampler itself; a study detail without them has no column.
    expect(d.trials.every((t) => t.sampler === 'random')).toBe(true);
    expect(summaryHtml({ ...d, trials: d.trials.map(({ sampler: _, ...t }) => t) }, [])).not.toContain('<th>sampler</th>');
  });

  it('draws a categorical parameter of the contour on a categorical axis (its choices), not on 0–1', async () => {
    const d = await mixedStudy();
    const contour = (await renderPlots(d, { contour: ['batch_size', 'optimizer'] })).find((p) => p.name === 'contour.svg')!.content;
    const labels = [...contour.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(labels).toEqual(expect.arrayContaining(['Adam', 'SGD', 'batch_size', 'optimizer']));
    // A 0–1 number line would label 0.0, 0.2, ..., 1.0.
    expect(labels).not.toContain('0.2');
    // One cell band per choice: 30 × 2 filled cells.
    expect(contour.match(/aria-roledescription="rect mark"/g)).toHaveLength(60);
    expect(contour).toMatch(/aria-label="batch_size: 64; optimizer: Adam;/);
    const dir = mkdtempSync(join(tmpdir(), 'dojo-contour-'));
    writeFileSync(join(dir, 'c.svg'), contour);
    const page = await browser.newPage();
    try {
      await page.setContent(`<!doctype html><body style="margin:0">${contour}</body>`);
      await page.locator('svg').screenshot({ path: join(SHOTS, 'contour-categorical.png') });
    } finally {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('at study end the report uploaded to tracking says why a trial failed (the worker\'s dojo.failure_reason tag)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dojo-report-notes-'));
    const tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
    try {
      const svc = await startHpoService({ dbFile: join(dir, 'hpo.db'), trackingUri: tracking.url, log: () => undefined });
      const c = new HpoClient(svc.url);
      const tc = new TrackingClient(tracking.url);
      const info = await c.createStudy({ name: 'notes', space, sampler: { name: 'random', seed: 1 }, maxTrials: 6, metric: 'val_rmse' });
      for (let t = await c.ask('notes'); t; t = await c.ask('notes')) {
        if (t.number === 2) {
          await tc.setTag(t.runId!, 'dojo.failure_reason', 'the trial produced no finite val_rmse (got NaN)');
          await tc.setTag(t.runId!, 'dojo.sampler', 'random');
          await c.tell('notes', t.number, 'fail');
        } else await c.tell('notes', t.number, 'complete', t.params.lr as number);
      }
      await svc.close();
      const parent = await tc.getRun(info.parentRunId!);
      const html = new TextDecoder().decode(await tc.downloadArtifact(parent, 'report/index.html'));
      expect(html).toMatch(/<td class="state" title="the trial produced no finite val_rmse \(got NaN\)">failed: the trial produced no finite val_rmse \(got NaN\)<\/td><td>random<\/td>/);
      for (const r of references(html)) expect(r).toMatch(/^#/);
    } finally {
      await tracking.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
