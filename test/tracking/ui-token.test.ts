import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTERNAL_URI } from './harness';
import { SHOTS, UiFixture } from './ui-fixture';

// A local dojo's servers need its token: the UI opens from /?token=..., which leaves a cookie that
// every fetch of the page carries, and the tracking server sends the token on to the HPO service
// for the study's live view.
const TOKEN = 'ui-test-token-0123456789abcdef';
const f = new UiFixture({ token: TOKEN });
beforeAll(async () => f.start(), 120_000);
afterAll(async () => f.stop());

describe.skipIf(EXTERNAL_URI)('the web UI of servers that need a token (headless chromium)', () => {
  it('works from the one-time token URL: runs, series and the HPO service\'s live view', async () => {
    const parent = await f.createStudy('guarded', 4);
    await f.playTrial('guarded', 'complete');
    await f.playTrial('guarded', 'pruned', { pruneAt: 40 });
    await f.settled(parent, 2, false);
    // Without the token the routes refuse, the dojo routes included.
    expect((await fetch(`${f.tracking.url}/dojo-api/v1/hpo/studies/guarded`)).status).toBe(401);
    const viaBearer = await fetch(`${f.tracking.url}/dojo-api/v1/hpo/studies/guarded`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await viaBearer.json()) as { name: string }).name).toBe('guarded');
    const context = await f.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(`${f.tracking.url}/?token=${TOKEN}`);
      expect(new URL(page.url()).search).toBe('');
      await page.goto(`${f.tracking.url}/#/runs/${parent}`);
      await page.waitForFunction((h) => document.body.getAttribute('data-ready') === h, `/runs/${parent}`);
      expect(await page.locator('.error').count()).toBe(0);
      // Live: the states and the pruner's values come from the HPO service (no "from tracking" note).
      expect(await page.locator('.progress .legend').textContent()).not.toContain('no HPO service linked');
      expect(await page.locator('figure.curves-card.pruner').getAttribute('data-stops')).toMatch(/@40$/);
      expect(((await page.locator('figure.curves-card[data-metric="train_rmse"]').getAttribute('data-runs')) ?? '').split(' ')).toHaveLength(2);
      await page.screenshot({ path: join(SHOTS, 'token-study.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 120_000);
});
