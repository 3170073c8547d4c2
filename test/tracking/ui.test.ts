import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingServer, TrackingClient, type Metric, type TrackingServerHandle } from '../../lib/tracking';

// End-to-end test of the web UI of the embedded server in headless Debian chromium. Screenshots go
// to test-artifacts/tracking-ui/ (gitignored).
const SHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'tracking-ui');
const store = mkdtempSync(join(tmpdir(), 'dojo-ui-'));
let server: TrackingServerHandle;
let browser: Browser;
let page: Page;
const trials: { name: string; id: string; val: number }[] = [];
let studyId = '';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><rect width="200" height="80" fill="#dbeafe"/><text x="10" y="45">val_rmse by trial</text></svg>';
// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startTrackingServer({ storeDir: store });
  const c = new TrackingClient(server.url);
  const exp = await c.createExperiment('fare-hpo');
  const study = await c.createRun({ experimentId: exp, runName: 'study-fare', startTime: 1_700_000_000_000, tags: { 'hpo.role': 'study', 'hpo.direction': 'minimize', 'hpo.metric': 'val_rmse' } });
  studyId = study.info.run_id;
  for (let i = 0; i < 20; i++) {
    const lr = 0.001 * (i + 1);
    const val = 2 + Math.abs(i - 13) * 0.25 + i / 100; // best: trial 13
    const run = await c.createRun({ experimentId: exp, runName: `trial-${String(i).padStart(2, '0')}`, parentRunId: studyId, startTime: 1_700_000_001_000 + i * 1000 });
    const metrics: Metric[] = [];
    for (let step = 0; step < 30; step++) metrics.push({ key: 'train_rmse', value: 10 / (step + 1) + val, timestamp: 1_700_000_001_000 + step, step });
    metrics.push({ key: 'val_rmse', value: val, timestamp: 1_700_000_002_000, step: 29 });
    await c.logBatch(run.info.run_id, { metrics, params: [{ key: 'lr', value: String(lr) }, { key: 'optimizer', value: i % 2 ? 'SGD' : 'Adam' }] });
    await c.updateRun(run.info.run_id, { status: i === 7 ? 'FAILED' : 'FINISHED', endTime: 1_700_000_001_000 + i * 1000 + 60_000 });
    if (i === 13) {
      await c.uploadArtifact(run, 'plots/curve.svg', SVG);
      await c.logInputs(run.info.run_id, [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'nyc-taxi-train', digest: 'c0ffee42', source_type: 'local', source: '{"uri": "file:///data/train/part*.csv"}' } },
      ]);
    }
    trials.push({ name: run.info.run_name, id: run.info.run_id, val });
  }
  await c.uploadArtifact(study, 'report/report.html', '<html><body><h1>Study report fare</h1></body></html>');
  await c.uploadArtifact(study, 'report/history.svg', SVG);
  await c.uploadArtifact(study, 'report/importance.png', PNG);
  await c.createRun({ experimentId: exp, runName: 'standalone', startTime: 1_700_000_100_000 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(store, { recursive: true, force: true });
});

/** Waits until the router has rendered the page for this hash. */
async function ready(hash: string): Promise<void> {
  await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, hash, { timeout: 20_000 });
}

const runRows = (): Promise<string[]> => page.locator('table.runs tbody tr td:first-child a').allTextContents();

describe('tracking web UI (headless chromium)', () => {
  it('lists experiments and opens the runs table with children grouped under the study', async () => {
    await page.goto(server.url + '/');
    await ready('/');
    await expect(page.locator('h1').textContent()).resolves.toBe('Experiments');
    await page.screenshot({ path: join(SHOTS, '1-experiments.png') });
    await page.getByRole('link', { name: 'fare-hpo' }).click();
    await page.waitForSelector('table.runs');
    const names = await runRows();
    expect(names).toHaveLength(22);
    // Newest top-level run first, then the study with its 20 trials right under it.
    expect(names[0]).toBe('standalone');
    expect(names[1]).toBe('study-fare');
    expect(names.slice(2).sort()).toEqual(trials.map((t) => t.name).sort());
    expect(await page.locator('table.runs tr.child').count()).toBe(20);
    expect(await page.locator('tr.parent .toggle').textContent()).toBe('▾ 20');
    const headers = await page.locator('table.runs thead tr:nth-child(2) th').allTextContents();
    expect(headers.slice(0, 4)).toEqual(['Name', 'Status', 'Start', 'Duration']);
    expect(headers).toEqual(expect.arrayContaining(['lr', 'optimizer', 'train_rmse', 'val_rmse']));
    expect(await page.locator('table.runs .status.FAILED').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, '2-runs.png'), fullPage: true });
  });

  it('sorts by a metric column (children within their parent), collapses children, and filters with the grammar', async () => {
    await page.locator('table.runs th', { hasText: /^val_rmse$/ }).click();
    const desc = trials.slice().sort((a, b) => b.val - a.val).map((t) => t.name);
    expect((await runRows()).filter((n) => n.startsWith('trial-'))).toEqual(desc);
    await page.locator('table.runs th', { hasText: /^val_rmse$/ }).click();
    expect((await runRows()).filter((n) => n.startsWith('trial-'))).toEqual(desc.slice().reverse());
    await page.locator('tr.parent .toggle').click();
    expect(await page.locator('table.runs tr.child').count()).toBe(0);
    await page.locator('tr.parent .toggle').click();
    expect(await page.locator('table.runs tr.child').count()).toBe(20);

    await page.fill('form.filter input', "metrics.val_rmse < 2.6 AND params.optimizer = 'Adam'");
    await page.click('form.filter button');
    await page.waitForFunction(() => document.body.getAttribute('data-ready')?.includes('filter='));
    const expected = trials.filter((t, i) => t.val < 2.6 && i % 2 === 0).map((t) => t.name).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect((await runRows()).sort()).toEqual(expected);
    await page.screenshot({ path: join(SHOTS, '3-filtered.png'), fullPage: true });

    await page.fill('form.filter input', 'metrics.val_rmse >>> 1');
    await page.click('form.filter button');
    await page.waitForSelector('.error');
    expect(await page.locator('.error').textContent()).toMatch(/INVALID_PARAMETER_VALUE: Invalid filter string/);
  });

  it('shows the study page: best trial, trials table and the report artifacts', async () => {
    await page.goto(`${server.url}/#/runs/${studyId}`);
    await ready(`/runs/${studyId}`);
    const best = trials.reduce((a, b) => (b.val < a.val ? b : a));
    expect(await page.locator('h2', { hasText: 'Study' }).first().textContent()).toBe('Study: 20 trials');
    expect(await page.locator('.best-trial').textContent()).toBe(`Best trial: ${best.name} — val_rmse = ${Number(best.val.toPrecision(5))}`);
    expect(await page.locator('table.trials tbody tr').count()).toBe(20);
    expect(await page.locator('table.datasets').count()).toBe(0);
    expect(await page.locator('table.trials tr.best a').textContent()).toBe(best.name);
    await page.waitForSelector('.report iframe');
    const frame = page.frameLocator('.report iframe');
    await expect(frame.locator('h1').textContent()).resolves.toBe('Study report fare');
    expect(await page.locator('.report img').count()).toBe(2);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.report img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: join(SHOTS, '4-study.png'), fullPage: true });
    await page.locator('.report iframe').screenshot({ path: join(SHOTS, '4b-study-report.png') });
  });

  it('opens the best trial: params, a uPlot chart per metric, artifacts with download and inline preview', async () => {
    const best = trials.reduce((a, b) => (b.val < a.val ? b : a));
    await page.locator('.best-trial a').click();
    await ready(`/runs/${best.id}`);
    expect(await page.locator('h1').textContent()).toContain(best.name);
    expect(await page.locator('table.params').textContent()).toContain('lr');
    expect(await page.locator('table.datasets tbody tr td').allTextContents()).toEqual(['nyc-taxi-train', 'c0ffee42', 'training', 'local', '{"uri": "file:///data/train/part*.csv"}']);
    await page.waitForSelector('.chart .uplot canvas');
    expect(await page.locator('.chart').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')))).toEqual(['train_rmse', 'val_rmse']);
    expect(await page.locator('.chart .uplot canvas').count()).toBe(2);
    expect(await page.locator('.crumbs').textContent()).toContain('study-fare');
    await page.locator('.dir', { hasText: 'plots/' }).click();
    const link = page.locator('a.file', { hasText: 'curve.svg' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(await (await fetch(server.url + href!)).text()).toBe(SVG);
    await page.locator('li', { has: link }).getByRole('button', { name: 'preview' }).click();
    await page.waitForSelector('.preview img');
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('.preview img')?.naturalWidth ?? 0) > 0);
    await page.screenshot({ path: join(SHOTS, '5-run.png'), fullPage: true });
  });
});
