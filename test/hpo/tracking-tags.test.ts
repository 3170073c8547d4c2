import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, SqliteStore } from '../../lib/hpo/service';
import { rebuildFromTracking } from '../../lib/hpo/tracking/rebuild';
import { longTag, readLongTag, TAG, TAG_VALUE_LIMIT } from '../../lib/hpo/tracking/tags';
import { startTrackingServer, type TrackingServerHandle } from '../../lib/tracking';
import { serverUnderTest, uniqueName, type ServerUnderTest } from '../tracking/harness';
import { branin } from '../../testkit/hpo/objectives';

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

describe('long tags are split on code-point boundaries', () => {
  it('property: pieces fit MLflow (≤ 5000 UTF-16 units, so ≤ 5000 code points), never cut a surrogate pair, and join back', () => {
    // Values around the boundaries (5000, 10000 units), with astral characters where the cuts fall.
    const mix = fc.array(fc.constantFrom('a', 'é', '😀', '𝔘', '中'), { minLength: 1, maxLength: 40 }).map((a) => a.join(''));
    const text = fc
      .tuple(fc.integer({ min: TAG_VALUE_LIMIT - 30, max: TAG_VALUE_LIMIT + 2 }), mix, fc.integer({ min: 0, max: 2600 }), mix)
      .map(([n, a, k, b]) => `${'x'.repeat(n)}${a}${'😀'.repeat(k)}${b}`);
    fc.assert(
      fc.property(text, (value) => {
        const tags = longTag('hpo.spec', value);
        const pieces = Object.entries(tags).filter(([k]) => k !== 'hpo.spec.parts');
        for (const [, p] of pieces) {
          expect(p.length).toBeLessThanOrEqual(TAG_VALUE_LIMIT);
          expect(isLow(p.charCodeAt(0))).toBe(false);
          expect(isHigh(p.charCodeAt(p.length - 1))).toBe(false);
        }
        expect(readLongTag((k) => tags[k], 'hpo.spec')).toBe(value);
      }),
      { numRuns: 60 },
    );
  });

  describe('against the tracking server under test (the embedded one, or DOJO_TEST_TRACKING_URI)', () => {
    let s: ServerUnderTest;
    beforeAll(async () => {
      s = await serverUnderTest();
    });
    afterAll(async () => s.close());

    it('a tag with non-BMP characters across the split boundary is stored and read back whole, and later tags of the request too', async () => {
      const exp = await s.client.getOrCreateExperiment(uniqueName('tags'));
      const run = await s.client.createRun({ experimentId: exp });
      // An emoji (two UTF-16 units) straddles unit 5000: a cut by UTF-16 unit leaves a lone surrogate.
      const value = `${'x'.repeat(TAG_VALUE_LIMIT - 1)}😀${'y'.repeat(30)}😀${'z'.repeat(TAG_VALUE_LIMIT)}`;
      const tags = { ...longTag(TAG.spec, value), 'after.the.spec': 'still here' };
      await s.client.logBatch(run.info.run_id, { tags: Object.entries(tags).map(([key, v]) => ({ key, value: v })) });
      const got = Object.fromEntries(((await s.client.getRun(run.info.run_id)).data.tags ?? []).map((t) => [t.key, t.value]));
      expect(readLongTag((k) => got[k], TAG.spec)).toBe(value);
      expect(got['after.the.spec']).toBe('still here');
    });
  });
});

describe('rebuild from tracking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-hpo-rebuild-'));
  let tracking: TrackingServerHandle;
  beforeAll(async () => {
    tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
  });
  afterAll(async () => {
    await tracking.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names a study it cannot rebuild and does not count it; the others are rebuilt', async () => {
    const svc = await startHpoService({ dbFile: join(dir, 'a.db'), trackingUri: tracking.url, log: () => undefined });
    const c = new HpoClient(svc.url);
    const good = await c.createStudy({ name: 'good', direction: 'minimize', space: branin.space, sampler: { name: 'random', seed: 1 }, maxTrials: 2 });
    const broken = await c.createStudy({ name: 'broken', direction: 'minimize', space: branin.space, sampler: { name: 'random', seed: 2 }, maxTrials: 2 });
    for (const name of ['good', 'broken']) for (let t = await c.ask(name); t; t = await c.ask(name)) await c.tell(name, t.number, 'complete', branin.f(t.params));
    await svc.close();
    // What a cut tag leaves behind: a spec that is no longer JSON.
    const { TrackingClient } = await import('../../lib/tracking');
    await new TrackingClient(tracking.url).setTag(broken.parentRunId!, TAG.spec, '{"name": "broken", "spa');

    const store = new SqliteStore(join(dir, 'b.db'));
    const r = await rebuildFromTracking(tracking.url, store);
    expect(r.studies).toBe(1);
    expect(r.trials).toBe(2);
    expect(r.skipped).toEqual([{ study: 'broken', runId: broken.parentRunId, reason: expect.stringMatching(/^tag hpo\.spec is not valid JSON/) }]);
    expect(store.countStudies()).toBe(1);
    store.close();

    const lines: string[] = [];
    const svc2 = await startHpoService({ dbFile: join(dir, 'c.db'), trackingUri: tracking.url, log: (l) => lines.push(l) });
    expect((await new HpoClient(svc2.url).getStudy('good')).id).toBe(good.id);
    await svc2.close();
    expect(lines).toContain(`rebuilt 1 studies (2 trials) from tracking at ${tracking.url}`);
    expect(lines.some((l) => l.startsWith(`could not rebuild study broken (parent run ${broken.parentRunId}) from tracking: tag hpo.spec is not valid JSON`))).toBe(true);
  }, 60_000);
});
