import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTERNAL_URI } from './harness';
import { SHOTS, UiFixture } from './ui-fixture';

// A running study's page updates itself: new trials, new points and the progress `dojo job wait`
// shows, without a reload and without rebuilding what did not change; it stops looking once the
// study has finished. Screenshots in test-artifacts/tracking-ui/.
const f = new UiFixture();
let page: Page;
let parent: string;

beforeAll(async () => {
  await f.start();
  page = await f.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => {
    throw e;
  });
}, 120_000);
afterAll(async () => f.stop());

const progress = () => page.locator('.progress-line').textContent();
const rows = () => page.locator('table.trials tbody tr').count();

describe.skipIf(EXTERNAL_URI)('a running study\'s page (headless chromium)', () => {
  it('picks up new trials and new points without a reload, shows done/running/best/ETA, and stops when the study ends', async () => {
    parent = await f.createStudy('live', 6);
    await f.playTrial('live', 'complete');
    await f.playTrial('live', 'complete');
    const running = await f.playTrial('live', 'running', { runSteps: 30 });
    await f.settled(parent, 3, false);
    await page.goto(`${f.tracking.url}/#/runs/${parent}?poll=300`);
    await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, `/runs/${parent}?poll=300`);
    expect(await progress()).toMatch(/^running · trials 2\/6 done \(2 complete, 0 pruned, 0 failed\), 1 running · best val_rmse [\d.]+ \(trial [01]\) · elapsed \d+:\d\d · ETA \d+:\d\d$/);
    expect(await page.locator(`table.trials tr[data-run-id="${running.runId}"] td.state`).textContent()).toBe('running');
    await page.screenshot({ path: join(SHOTS, 'live-1-before.png'), fullPage: true });
    // What must survive an update: the page itself (no reload) and the charts' canvases (not rebuilt).
    await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      w['__marker'] = 'same page';
      w['__canvas'] = document.querySelector('figure.curves-card[data-metric="train_rmse"] canvas');
    });
    const pointsBefore = Number(await page.locator('figure.curves-card[data-metric="train_rmse"]').getAttribute('data-points'));

    // A new trial ends and the running one logs more steps.
    const added = await f.playTrial('live', 'complete');
    await f.client.logBatch(running.runId, { metrics: Array.from({ length: 20 }, (_, i) => ({ key: 'train_rmse', value: 3 - i / 100, timestamp: 1_800_000_000_000 + i, step: 31 + i })) });
    await page.waitForSelector(`table.trials tr[data-run-id="${added.runId}"]`, { timeout: 30_000 });
    await page.waitForFunction((n) => Number(document.querySelector('figure.curves-card[data-metric="train_rmse"]')?.getAttribute('data-points')) >= n, pointsBefore + 101 + 20, { timeout: 30_000 });
    expect(await rows()).toBe(4);
    expect(await progress()).toMatch(/^running · trials 3\/6 done \(3 complete, 0 pruned, 0 failed\), 1 running · /);
    expect(((await page.locator('figure.curves-card[data-metric="train_rmse"]').getAttribute('data-runs')) ?? '').split(' ')).toContain(added.runId);
    expect(await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return w['__marker'] === 'same page' && w['__canvas'] === document.querySelector('figure.curves-card[data-metric="train_rmse"] canvas');
    })).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'live-2-after.png'), fullPage: true });

    // The study ends: the page says so, shows the report and stops polling.
    await f.hpo.tell('live', running.number, 'pruned', 3);
    await f.playTrial('live', 'failed');
    await f.playTrial('live', 'complete');
    await page.waitForSelector('.progress[data-state="finished"]', { timeout: 60_000 });
    expect(await progress()).toMatch(/^finished · trials 6\/6 done \(4 complete, 1 pruned, 1 failed\), 0 running · best val_rmse [\d.]+ \(trial \d\) · elapsed \d+:\d\d$/);
    expect(await page.locator(`table.trials tr[data-run-id="${running.runId}"] td.state`).textContent()).toBe('pruned at step 20');
    await page.frameLocator('.report iframe').locator('h1').waitFor({ timeout: 60_000 });
    const polls = await page.evaluate(() => document.body.getAttribute('data-polls'));
    await new Promise((r) => setTimeout(r, 2000));
    expect(await page.evaluate(() => document.body.getAttribute('data-polls'))).toBe(polls);
    expect(await page.evaluate(() => (window as unknown as Record<string, unknown>)['__marker'])).toBe('same page');
  }, 180_000);
});
