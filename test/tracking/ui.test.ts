import { join } from 'node:path';
import type { Page, Response as PageResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtNum } from '../../lib/tracking/ui/core/format';
import { objectiveOf, SHOTS, UiFixture, type TrialPlan } from './ui-fixture';
import { EXTERNAL_URI } from './harness';

// End-to-end tests of the embedded tracking server's web UI in headless Debian chromium, on a study
// run through a real HPO service linked to the tracking server (as the local manager runs them).
// Screenshots of every view go to test-artifacts/tracking-ui/ (gitignored).
const f = new UiFixture();
let page: Page;
let parent: string;
const plans: TrialPlan[] = [];
const LONG = `feature-set ${'x'.repeat(3000)} end-of-long-tag`;
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><rect width="200" height="80" fill="#dbeafe"/><text x="10" y="45">val_rmse by trial</text></svg>';
// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const MLMODEL = 'artifact_path: model\nflavors:\n  dojo:\n    format_version: 1\n    dtype: float64\n    model_file: model.dojo\nrun_id: abc\n';

/** States by trial index: two pruned (after 40 and 60 steps), one failed, the rest complete. */
function endOf(i: number): { end: TrialPlan['state']; pruneAt?: number } {
  if (i === 3) return { end: 'pruned', pruneAt: 40 };
  if (i === 7) return { end: 'pruned', pruneAt: 60 };
  if (i === 5) return { end: 'failed' };
  return { end: 'complete' };
}

const best = () => plans.filter((p) => p.state === 'complete').reduce((a, b) => (b.value! < a.value! ? b : a));

beforeAll(async () => {
  await f.start();
  parent = await f.createStudy('fare', 12);
  for (let i = 0; i < 12; i++) plans.push(await f.playTrial('fare', endOf(i).end, { pruneAt: endOf(i).pruneAt }));
  await f.client.setTag(parent, 'dojo.long_note', LONG);
  const b = await f.client.getRun(best().runId);
  await f.client.uploadArtifact(b, 'notes.txt', 'trained on 1,000 rows\nsecond line');
  await f.client.uploadArtifact(b, 'metrics.json', '{"val_rmse":2.5,"steps":[1,2,3]}');
  await f.client.uploadArtifact(b, 'predictions.csv', 'fare,prediction\n"12,5",12.1\n7.0,"7.2"\n');
  await f.client.uploadArtifact(b, 'plots/curve.svg', SVG);
  await f.client.uploadArtifact(b, 'plots/dot.png', PNG);
  await f.client.uploadArtifact(b, 'page.html', '<html><body><h1>HTML artifact</h1></body></html>');
  await f.client.uploadArtifact(b, 'model/MLmodel', MLMODEL);
  await f.client.uploadArtifact(b, 'model/model.dojo', new Uint8Array([0x44, 0x4f, 0x4a, 0x4f, 0, 1, 2, 255]));
  await f.settled(parent, 12, true);
  page = await f.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => {
    throw e;
  });
}, 180_000);

afterAll(async () => f.stop());

/** Waits until the router has rendered the page for this hash. */
async function ready(hash: string): Promise<void> {
  await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, hash, { timeout: 30_000 });
}

async function openStudy(): Promise<void> {
  await page.goto(`${f.tracking.url}/#/runs/${parent}`);
  await ready(`/runs/${parent}`);
}

const tableRuns = (): Promise<string[]> => page.locator('table.trials tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')!));
const chartRuns = async (metric: string): Promise<string[]> => ((await page.locator(`figure.curves-card[data-metric="${metric}"]`).getAttribute('data-runs')) ?? '').split(' ').filter(Boolean).sort();

describe.skipIf(EXTERNAL_URI)('tracking web UI (headless chromium)', () => {
  it('lists experiments, and the runs table groups the trials under their study, named in the study\'s words', async () => {
    await page.goto(`${f.tracking.url}/`);
    await ready('/');
    expect(await page.locator('h1').textContent()).toBe('Experiments');
    await page.screenshot({ path: join(SHOTS, '1-experiments.png') });
    await page.getByRole('link', { name: 'fare' }).click();
    await page.waitForSelector('table.runs');
    expect(await page.locator('table.runs tr.child').count()).toBe(12);
    expect(await page.locator('tr.parent .toggle').textContent()).toBe('▾ 12');
    const headers = await page.locator('table.runs thead tr:nth-child(2) th').allTextContents();
    expect(headers.slice(0, 4)).toEqual(['Name', 'Status', 'Start', 'Duration']);
    expect(headers).toEqual(expect.arrayContaining(['lr', 'optimizer', 'train_rmse', 'val_rmse']));
    const states = await page.locator('table.runs tr.child td:nth-child(2)').allTextContents();
    expect(states.filter((s) => s === 'complete')).toHaveLength(9);
    expect(states.filter((s) => s.startsWith('pruned at step')).sort()).toEqual(['pruned at step 40', 'pruned at step 60']);
    expect(states.filter((s) => s.startsWith('failed: the trial produced no finite val_rmse'))).toHaveLength(1);
    expect(states).not.toContain('KILLED');
    await page.screenshot({ path: join(SHOTS, '2-runs.png'), fullPage: true });
  });

  it('sorts the runs table by a metric (mouse and keyboard), collapses children, and filters with the search grammar', async () => {
    // The failed trial stopped before its first val_rmse: runs without the metric sort last both ways.
    const failed = `fare-trial-${plans.find((p) => p.state === 'failed')!.number}`;
    const names = async () => (await page.locator('table.runs tr.child td:first-child a').allTextContents());
    await page.locator('table.runs th button', { hasText: /^val_rmse$/ }).click();
    const desc = await names();
    expect(desc.at(-1)).toBe(failed);
    // The latest val_rmse: at step 100 for complete trials, where it stopped for pruned ones.
    const latest = (p: TrialPlan) => (p.state === 'complete' ? objectiveOf(p.params) + 6 / 102 : p.value!);
    expect(desc.slice(0, -1)).toEqual(plans.filter((p) => p.state !== 'failed').sort((a, b) => latest(b) - latest(a)).map((p) => `fare-trial-${p.number}`));
    await page.locator('table.runs th button', { hasText: /^val_rmse$/ }).focus();
    await page.keyboard.press('Enter');
    expect(await names()).toEqual([...desc.slice(0, -1).reverse(), failed]);
    expect(await page.locator('table.runs th[aria-sort="ascending"]').textContent()).toBe('val_rmse');
    await page.locator('tr.parent .toggle').click();
    expect(await page.locator('table.runs tr.child').count()).toBe(0);
    await page.locator('tr.parent .toggle').click();
    await page.fill('form.filter input', "params.optimizer = 'Adam' AND metrics.val_rmse < 3");
    await page.click('form.filter button');
    await page.waitForFunction(() => document.body.getAttribute('data-ready')?.includes('filter='));
    const kept = await page.locator('table.runs td:first-child a').allTextContents();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((n) => n.startsWith('fare-trial-'))).toBe(true);
    await page.fill('form.filter input', 'metrics.val_rmse >>> 1');
    await page.click('form.filter button');
    await page.waitForSelector('.error');
    expect(await page.locator('.error').textContent()).toMatch(/INVALID_PARAMETER_VALUE: Invalid filter string/);
  });

  it('shows the study\'s progress as `dojo job wait` does and compares every trial\'s curves, the hover naming trial, state and params', async () => {
    await openStudy();
    expect(await page.locator('h1').textContent()).toBe('Study fare');
    const b = best();
    expect(await page.locator('.progress-line').textContent()).toMatch(
      new RegExp(`^finished · trials 12/12 done \\(9 complete, 2 pruned, 1 failed\\), 0 running · best val_rmse ${fmtNum(b.value).replace('.', '\\.')} \\(trial ${b.number}\\) · elapsed \\d+:\\d\\d$`),
    );
    expect(await page.locator('.progress').getAttribute('data-state')).toBe('finished');
    // One chart per chosen metric (val and train RMSE by default), a line for every trial that logged it.
    expect(await page.locator('figure.curves-card:not(.pruner)').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')))).toEqual(['val_rmse', 'train_rmse']);
    const all = plans.map((p) => p.runId).sort();
    expect(await chartRuns('train_rmse')).toEqual(all);
    expect(await chartRuns('val_rmse')).toEqual(plans.filter((p) => p.state !== 'failed').map((p) => p.runId).sort());
    // A metric is added from the picker.
    await page.getByRole('checkbox', { name: 'objective' }).check();
    await page.waitForSelector('figure.curves-card[data-metric="objective"][data-runs]');
    await page.getByRole('checkbox', { name: 'objective' }).uncheck();
    expect(await page.locator('figure.curves-card[data-metric="objective"]').count()).toBe(0);
    // Hovering a line names its trial, state and params.
    const canvas = page.locator('figure.curves-card[data-metric="train_rmse"] canvas');
    const box = (await canvas.boundingBox())!;
    let hovered: string | null = null;
    for (let y = box.y + 15; y < box.y + box.height - 35 && !hovered; y += 4) {
      await page.mouse.move(box.x + box.width * 0.5, y);
      hovered = await page.locator('figure.curves-card[data-metric="train_rmse"]').getAttribute('data-hover');
    }
    expect(hovered).not.toBeNull();
    const plan = plans.find((p) => p.runId === hovered)!;
    const tip = await page.locator('figure.curves-card[data-metric="train_rmse"] .tip').innerText();
    expect(tip).toContain(`trial ${plan.number} (fare-trial-${plan.number})`);
    expect(tip).toMatch(/complete|pruned at step \d+|failed/);
    expect(tip).toContain(`optimizer = ${plan.params['optimizer']}`);
    expect(tip).toContain(`lr = ${fmtNum(plan.params['lr'])}`);
    await page.locator('#s-compare').screenshot({ path: join(SHOTS, 'compare.png') });
    await page.screenshot({ path: join(SHOTS, '3-study.png'), fullPage: true });
  });

  it('loads a study in one wave, started by the boot script before app.js ran: its first data in one request, each request made once; the top of the page is marked painted, at or before the whole page', async () => {
    const series: string[] = [];
    const api: string[] = [];
    type RunPage = { children: { info: { run_id: string } }[]; series: { keys: string[]; max_points: number; series: { run_id: string; key: string }[] }; hpo: { trials: unknown[] } | null };
    const first: Promise<RunPage>[] = [];
    const listen = (r: { url(): string; postData(): string | null }) => {
      if (r.url().includes('/dojo-api/v1/series')) series.push(r.url());
      if (/\/(ajax-api|dojo-api)\//.test(r.url())) api.push(`${r.url()} ${r.postData() ?? ''}`);
    };
    const answered = (res: PageResponse) => {
      if (res.url().includes('/dojo-api/v1/run-page?')) first.push(res.json() as Promise<RunPage>);
    };
    // A fresh load (the previous test left the page on the study: the same URL would not reload).
    await page.goto('about:blank');
    page.on('request', listen);
    page.on('response', answered);
    try {
      await openStudy();
    } finally {
      page.off('request', listen);
      page.off('response', answered);
    }
    // The run, its trials and their first curves in one answer: every trial, both charted metrics,
    // 400 points for 12 trials; no series asked for after it (none again once the HPO view arrived).
    expect(first).toHaveLength(1);
    const body = await first[0]!;
    const ids = plans.map((p) => p.runId).sort();
    expect(body.children.map((k) => k.info.run_id).sort()).toEqual(ids);
    expect(body.series.keys).toEqual(expect.arrayContaining(['val_rmse', 'train_rmse']));
    expect(body.series.max_points).toBe(400);
    for (const key of ['val_rmse', 'train_rmse']) expect(body.series.series.filter((s) => s.key === key).map((s) => s.run_id).sort()).toEqual(ids);
    expect(series).toEqual([]);
    expect(body.hpo?.trials).toHaveLength(plans.length);
    const marks = await page.evaluate(() => ({ top: Number(document.body.getAttribute('data-top-painted-at')), ready: Number(document.body.getAttribute('data-ready-at')) }));
    expect(marks.top).toBeGreaterThan(0);
    expect(marks.top).toBeLessThanOrEqual(marks.ready);
    // Nothing asked twice (the boot script's wave is taken over by the page, not made again) ...
    // (the run's page, with the HPO view of its study and the run's artifacts, is the only request).
    expect(api.map((a) => new URL(a).pathname)).toEqual(['/dojo-api/v1/run-page']);
    expect(new Set(api).size).toBe(api.length);
    // ... and the run's page was asked for before the page's code started.
    const timing = await page.evaluate(() => ({
      run: performance.getEntriesByType('resource').find((e) => e.name.includes('/dojo-api/v1/run-page?'))!.startTime,
      app: performance.getEntriesByName('dojo:app.js started')[0]!.duration,
    }));
    expect(timing.run).toBeLessThan(timing.app);
  });

  it('shows what the pruner saw, with a cross where each pruned trial stopped, and each state in the study\'s words', async () => {
    const pruned = plans.filter((p) => p.state === 'pruned');
    const stops = ((await page.locator('figure.curves-card.pruner').getAttribute('data-stops')) ?? '').split(' ').sort();
    expect(stops).toEqual(pruned.map((p) => `${p.runId}@${p.prunedAt}`).sort());
    expect(await chartRuns('intermediate values')).toEqual(plans.filter((p) => p.state !== 'failed').map((p) => p.runId).sort());
    const stateOf = async (runId: string) => page.locator(`table.trials tr[data-run-id="${runId}"] td.state`).textContent();
    for (const p of pruned) expect(await stateOf(p.runId)).toBe(`pruned at step ${p.prunedAt}`);
    const failed = plans.find((p) => p.state === 'failed')!;
    expect(await stateOf(failed.runId)).toBe('failed: the trial produced no finite val_rmse (got NaN); check the data and the learning rate');
    expect(await page.locator(`table.trials tr[data-run-id="${failed.runId}"] span.state`).getAttribute('title')).toContain('check the data');
    // The table's first row is the best trial, marked.
    expect((await tableRuns())[0]).toBe(best().runId);
    expect(await page.locator('table.trials tr.best').getAttribute('data-run-id')).toBe(best().runId);
    await page.locator('figure.curves-card.pruner').screenshot({ path: join(SHOTS, '4-pruner.png') });
  });

  it('filters the table and the charts by a range brushed on a parallel-coordinates axis, with the mouse or the keyboard', async () => {
    const values = plans.filter((p) => p.value !== undefined).map((p) => p.value!);
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    // Where each trial sits on the objective axis; the drag ends in the widest gap between 25 % and 75 %.
    const units = values.map((v) => (v - lo) / (hi - lo)).sort((a, b) => a - b);
    let cut = 0.5;
    let gap = 0;
    for (let i = 1; i < units.length; i++) {
      const mid = (units[i]! + units[i - 1]!) / 2;
      if (mid > 0.25 && mid < 0.75 && units[i]! - units[i - 1]! > gap) [cut, gap] = [mid, units[i]! - units[i - 1]!];
    }
    const target = page.locator('g.axis[data-axis="(objective)"] rect.brush-target');
    await target.scrollIntoViewIfNeeded();
    const box = (await target.boundingBox())!;
    // Drag from the bottom of the objective axis up to the cut: the trials with the best values.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * (1 - cut), { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('.filter-bar.active');
    const expected = plans.filter((p) => p.value !== undefined && (p.value - lo) / (hi - lo) <= cut).map((p) => p.runId).sort();
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.length).toBeLessThan(11);
    expect((await tableRuns()).sort()).toEqual(expected);
    expect(await chartRuns('val_rmse')).toEqual(expected);
    expect(await page.locator('.filter-bar').textContent()).toContain(`Showing ${expected.length} of 12 trials (range selected on val_rmse)`);
    expect(Number(await page.locator('.parallel').getAttribute('data-kept'))).toBe(expected.length);
    await page.locator('#s-explore').screenshot({ path: join(SHOTS, '5-brushed.png') });
    await page.getByRole('button', { name: 'Clear filter' }).click();
    expect(await tableRuns()).toHaveLength(12);
    // Keyboard: focus the optimizer axis, ArrowDown selects its top quarter (SGD's band).
    await page.locator('g.axis[data-axis="optimizer"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('.filter-bar.active');
    expect((await tableRuns()).sort()).toEqual(plans.filter((p) => p.params['optimizer'] === 'SGD').map((p) => p.runId).sort());
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-axis'))).toBe('optimizer');
    await page.keyboard.press('Escape');
    expect(await tableRuns()).toHaveLength(12);
  });

  it('explores the space: history with the best so far, a slice per parameter, importances, a contour with categorical axes', async () => {
    await openStudy();
    const complete = plans.filter((p) => p.state === 'complete');
    expect(await page.locator('.history circle').count()).toBe(complete.length);
    expect(await page.locator('.history path.best-line').count()).toBe(1);
    expect(await page.locator('figure.slice').evaluateAll((els) => els.map((e) => e.getAttribute('data-param')))).toEqual(['lr', 'layers', 'batch_size', 'optimizer']);
    expect(await page.locator('figure.slice[data-param="lr"] circle').count()).toBe(complete.length);
    // The importances the HPO service's view sent (the study report's), not computed again here.
    const shown = Object.fromEntries(await page.locator('table.importance tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-param')!, r.querySelector('td.num')!.textContent!])));
    const sent = (await f.hpo.getStudy('fare')).importances!;
    expect(Object.keys(shown).sort()).toEqual(['batch_size', 'layers', 'lr', 'optimizer']);
    expect(shown).toEqual(Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, v.toFixed(3)])));
    await page.selectOption('select[name="contour-x"]', 'batch_size');
    await page.selectOption('select[name="contour-y"]', 'optimizer');
    const ticks = (axis: 'x' | 'y') => page.locator(`.contour-plot text.tick.${axis}`).allTextContents();
    expect(await ticks('x')).toEqual(['256', '512', '1024']);
    expect(await ticks('y')).toEqual(['Adam', 'SGD']);
    // One cell per pair of choices: 3 × 2, a pixel each of the picture stretched over the plot.
    const grid = async () => {
      const cells = page.locator('.contour-plot image.cells');
      const href = (await cells.getAttribute('href'))!;
      const size = await page.evaluate(async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        return `${img.naturalWidth}x${img.naturalHeight}`;
      }, href);
      return { said: await cells.getAttribute('data-grid'), size };
    };
    expect(await grid()).toEqual({ said: '3x2', size: '3x2' });
    await page.selectOption('select[name="contour-x"]', 'lr');
    expect(await grid()).toEqual({ said: '30x2', size: '30x2' });
    expect(await ticks('x')).toEqual(['1e-4', '0.001', '0.01', '0.1']);
    await page.locator('#s-explore').screenshot({ path: join(SHOTS, '6-explore.png') });
  });

  it('sorts the trials table by any column, from the keyboard too, and shows the study report in a frame', async () => {
    await openStudy();
    await page.locator('table.trials th button', { hasText: /^lr$/ }).focus();
    await page.keyboard.press('Enter');
    const lrs = plans.slice().sort((a, b) => (a.params['lr'] as number) - (b.params['lr'] as number)).map((p) => p.runId);
    expect(await tableRuns()).toEqual(lrs);
    await page.keyboard.press('Enter');
    expect(await tableRuns()).toEqual(lrs.slice().reverse());
    const frame = page.frameLocator('.report iframe');
    await expect(frame.locator('h1').textContent()).resolves.toBe('Study fare');
    expect(await frame.locator('figure > svg').count()).toBe(4);
    expect(await frame.locator('td.state').allTextContents()).toEqual(expect.arrayContaining(['pruned at step 40', 'pruned at step 60']));
    await page.locator('.report iframe').scrollIntoViewIfNeeded();
    await page.locator('.report iframe').screenshot({ path: join(SHOTS, '7-report.png') });
  });

  it('keeps the page within the window with long values, the full value on demand', async () => {
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
    const row = page.locator('table.kv.tags tr', { hasText: 'dojo.long_note' });
    const details = row.locator('details.long');
    expect(await details.locator('summary').textContent()).toContain(`(${LONG.length} characters)`);
    expect(await details.locator('pre').isVisible()).toBe(false);
    await details.locator('summary').focus();
    await page.keyboard.press('Enter');
    expect(await details.locator('pre').textContent()).toBe(LONG);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
    // The space and spec tags (JSON) open indented.
    const spec = page.locator('table.kv.tags tr', { hasText: 'hpo.spec' }).locator('details.long');
    await spec.locator('summary').click();
    expect(await spec.locator('pre').textContent()).toContain('\n  "name": "fare"');
    await page.locator('#s-details').screenshot({ path: join(SHOTS, '8-long-values.png') });
  });

  it('shows a trial\'s artifacts inline: text, JSON, CSV as a table, images, SVG, HTML, MLmodel; anything else to download', async () => {
    const b = best();
    await page.goto(`${f.tracking.url}/#/runs/${b.runId}`);
    await ready(`/runs/${b.runId}`);
    expect(await page.locator('h1 span.state').textContent()).toBe('complete');
    expect(await page.locator('.crumbs').textContent()).toContain('study-fare');
    await page.waitForSelector('.chart .uplot canvas');
    const view = async (path: string) => {
      await page.locator(`button.file[data-path="${path}"]`).click();
      await page.waitForSelector(`.viewer[data-path="${path}"]`);
      return page.locator('.viewer');
    };
    expect(await (await view('notes.txt')).locator('pre').textContent()).toBe('trained on 1,000 rows\nsecond line');
    expect(await (await view('metrics.json')).locator('pre').textContent()).toBe('{\n  "val_rmse": 2.5,\n  "steps": [\n    1,\n    2,\n    3\n  ]\n}');
    const csv = await view('predictions.csv');
    expect(await csv.locator('th').allTextContents()).toEqual(['fare', 'prediction']);
    expect(await csv.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)))).toEqual([['12,5', '12.1'], ['7.0', '7.2']]);
    expect(await (await view('page.html')).locator('iframe').getAttribute('sandbox')).toBe('allow-scripts');
    await expect(page.frameLocator('.viewer iframe').locator('h1').textContent()).resolves.toBe('HTML artifact');
    await page.locator('button.dir', { hasText: 'plots/' }).click();
    for (const img of ['plots/curve.svg', 'plots/dot.png']) {
      await view(img);
      await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('.viewer img')?.naturalWidth ?? 0) > 0);
    }
    await page.locator('button.dir', { hasText: 'model/' }).press('Enter');
    expect(await (await view('model/MLmodel')).locator('pre').textContent()).toBe(MLMODEL);
    const bin = await view('model/model.dojo');
    expect(await bin.textContent()).toContain('no preview');
    const href = await bin.locator('a[download]').getAttribute('href');
    expect(new Uint8Array(await (await fetch(f.tracking.url + href!)).arrayBuffer())).toEqual(new Uint8Array([0x44, 0x4f, 0x4a, 0x4f, 0, 1, 2, 255]));
    await view('model/MLmodel');
    await page.screenshot({ path: join(SHOTS, '9-artifacts.png'), fullPage: true });
  });

  it('compares any selection of runs picked in the runs table', async () => {
    await page.goto(`${f.tracking.url}/#/experiments/${(await f.client.getRun(parent)).info.experiment_id}`);
    await page.waitForSelector('table.runs');
    const picked = plans.slice(0, 3);
    for (const p of picked) await page.locator(`tr[data-run-id="${p.runId}"] input.pick`).check();
    await page.getByRole('button', { name: 'Compare selected runs' }).click();
    await page.waitForFunction(() => document.body.getAttribute('data-ready')?.startsWith('/compare'));
    expect(await page.locator('h1').textContent()).toBe('Compare 3 runs');
    expect(await chartRuns('train_rmse')).toEqual(picked.map((p) => p.runId).sort());
    expect((await tableRuns()).sort()).toEqual(picked.map((p) => p.runId).sort());
    await page.screenshot({ path: join(SHOTS, '10-compare-selection.png'), fullPage: true });
    // Opened from its URL, the page's boot script asks for the runs before app.js ran, once.
    const url = page.url();
    const api: string[] = [];
    const listen = (r: { url(): string; postData(): string | null }) => void (/\/(ajax-api|dojo-api)\//.test(r.url()) && api.push(`${r.url()} ${r.postData() ?? ''}`));
    await page.goto('about:blank');
    page.on('request', listen);
    try {
      await page.goto(url);
      await page.waitForFunction(() => document.body.getAttribute('data-ready')?.startsWith('/compare'));
    } finally {
      page.off('request', listen);
    }
    expect(await chartRuns('train_rmse')).toEqual(picked.map((p) => p.runId).sort());
    expect(api.map((a) => new URL(a.split(' ')[0]!).pathname.replace(/^\/(ajax-api\/2\.0\/mlflow|dojo-api\/v1)\//, ''))).toEqual(['runs/search', 'series']);
    const timing = await page.evaluate(() => ({
      search: performance.getEntriesByType('resource').find((e) => e.name.includes('/runs/search'))!.startTime,
      app: performance.getEntriesByName('dojo:app.js started')[0]!.duration,
    }));
    expect(timing.search).toBeLessThan(timing.app);
  });

  it('prints the study page without navigation or controls and nothing cut at the edge', async () => {
    await openStudy();
    await page.emulateMedia({ media: 'print' });
    try {
      // The curves redraw for the printed width on their next resize notification.
      await page.waitForFunction(() => [...document.querySelectorAll('canvas.curves')].every((c) => c.getBoundingClientRect().right <= document.documentElement.clientWidth));
      expect(await page.locator('header').isVisible()).toBe(false);
      expect(await page.locator('fieldset.metric-picker').isVisible()).toBe(false);
      expect(await page.locator('table.trials').isVisible()).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
      await page.screenshot({ path: join(SHOTS, '11-print.png'), fullPage: true });
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });
});
