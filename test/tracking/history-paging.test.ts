import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric } from '../../lib/tracking';
import { distinctPoints } from '../../lib/tracking/batch';
import { EXTERNAL_URI, raw, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

// metrics/get-history pagination (max_results, page_token) over REST only, valid for any MLflow
// that pages the history (the proto's contract: no max_results = the whole history; the token is
// absent on the last page).

let s: ServerUnderTest;
let exp: string;
beforeAll(async () => {
  s = await serverUnderTest();
  exp = await s.client.createExperiment(uniqueName('paging'));
});
afterAll(async () => s.close());

const newRun = async (): Promise<string> => (await s.client.createRun({ experimentId: exp, runName: 'pages' })).info.run_id;

interface WirePage {
  status: number;
  metrics: Metric[];
  token?: string;
  json?: Record<string, unknown>;
}

async function page(runId: string, key: string, maxResults?: number | string, pageToken?: string): Promise<WirePage> {
  const q = new URLSearchParams({ run_id: runId, metric_key: key });
  if (maxResults !== undefined) q.set('max_results', String(maxResults));
  if (pageToken !== undefined) q.set('page_token', pageToken);
  const r = await raw(s.url, 'GET', `metrics/get-history?${q}`);
  const metrics = ((r.json?.['metrics'] as Metric[] | undefined) ?? []).map((m) => ({ ...m, value: Number(m.value), step: Number(m.step ?? 0), timestamp: Number(m.timestamp) }));
  const token = r.json?.['next_page_token'] as string | undefined;
  return { status: r.status, metrics, token, json: r.json };
}

/** Every page in turn; fails if a page is over size or the pages do not end. */
async function allPages(runId: string, key: string, size: number): Promise<Metric[][]> {
  const pages: Metric[][] = [];
  let token: string | undefined;
  do {
    const p = await page(runId, key, size, token);
    expect(p.status).toBe(200);
    expect(p.metrics.length).toBeLessThanOrEqual(size);
    pages.push(p.metrics);
    token = p.token;
    if (pages.length > 10_000) throw new Error('pages never end');
  } while (token);
  return pages;
}

const points = (n: number, key = 'loss'): Metric[] => Array.from({ length: n }, (_, i) => ({ key, value: (i * 7) % 5, timestamp: 1000 + ((i * 3) % 11), step: i % 4 }));

describe('tracking contract: metrics/get-history on any server', () => {
  it('answers an empty history (or an unknown key) with no metrics and no token, paged or not (MLflow 2.11 ignores the paging)', async () => {
    const id = await newRun();
    for (const max of [undefined, 5]) {
      const p = await page(id, 'never-logged', max);
      expect(p.status).toBe(200);
      expect(p.metrics).toEqual([]);
      expect(p.token).toBeUndefined();
    }
  });

  it('TrackingClient.getMetricHistory reads the whole history with any page size, from a server that pages or one that ignores max_results (MLflow 2.11)', async () => {
    const id = await newRun();
    await s.client.logBatch(id, { metrics: points(37) });
    const whole = await s.client.getMetricHistory(id, 'loss');
    expect(whole).toHaveLength(37);
    for (const pageSize of [1, 5, 36, 37, 1000]) expect(await s.client.getMetricHistory(id, 'loss', { pageSize })).toEqual(whole);
  });
});

// MLflow 2.11.3 answers every get-history with the whole history (it ignores max_results and
// page_token, and answers {} for an unknown run): paging is the embedded server's, as later MLflows page.
describe.skipIf(Boolean(EXTERNAL_URI))('tracking contract: metrics/get-history pagination (servers that page: the embedded one)', () => {
  it('pages 25 points by 10: 10, 10, 5, the token absent on the last page; together they are the whole history in order', async () => {
    const id = await newRun();
    await s.client.logBatch(id, { metrics: points(25) });
    const full = await page(id, 'loss');
    expect(full.metrics).toHaveLength(25);
    expect(full.token).toBeUndefined();
    const pages = await allPages(id, 'loss', 10);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(full.metrics);
  });

  it('has no token after a last page that is exactly full, and none when one page holds everything', async () => {
    const id = await newRun();
    await s.client.logBatch(id, { metrics: points(20) });
    expect((await allPages(id, 'loss', 10)).map((p) => p.length)).toEqual([10, 10]);
    const one = await page(id, 'loss', 50);
    expect(one.metrics).toHaveLength(20);
    expect(one.token).toBeUndefined();
  });

  it('answers 400 INVALID_PARAMETER_VALUE for a page token it did not write', async () => {
    const id = await newRun();
    await s.client.logBatch(id, { metrics: points(3) });
    for (const token of ['not-a-token', '%%%', Buffer.from('{"x": 1}').toString('base64')]) {
      const p = await page(id, 'loss', 2, token);
      expect(p.status, token).toBe(400);
      expect(p.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('keeps an unknown run a 404 when paging', async () => {
    const p = await page('0123456789abcdef0123456789abcdef', 'loss', 5);
    expect(p.status).toBe(404);
    expect(p.json?.['error_code']).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('TrackingClient.getMetricHistoryPage pages: 30, then the rest without a token', async () => {
    const id = await newRun();
    await s.client.logBatch(id, { metrics: points(37) });
    const whole = await s.client.getMetricHistory(id, 'loss');
    const first = await s.client.getMetricHistoryPage(id, 'loss', { maxResults: 30 });
    expect(first.metrics).toEqual(whole.slice(0, 30));
    const second = await s.client.getMetricHistoryPage(id, 'loss', { maxResults: 30, pageToken: first.nextPageToken });
    expect(second).toEqual({ metrics: whole.slice(30) });
  });

  it('property: for any history (ties, duplicates, NaN) and page size, the pages concatenated equal the whole history, each point once', async () => {
    const value = fc.constantFrom(0, 1, -1, 2.5, NaN, Infinity, -Infinity);
    const point = fc.record({ value, timestamp: fc.integer({ min: 0, max: 6 }), step: fc.integer({ min: 0, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(point, { maxLength: 120 }), fc.integer({ min: 1, max: 40 }), async (pts, size) => {
        const id = await newRun();
        const given: Metric[] = pts.map((p) => ({ key: 'm', ...p }));
        if (given.length > 0) await s.client.logBatch(id, { metrics: given });
        // The client sends a point repeated within one batch once (MLflow's SQL store keeps it once anyway).
        const logged = distinctPoints(given);
        const whole = await page(id, 'm');
        expect(whole.token).toBeUndefined();
        const pages = await allPages(id, 'm', size);
        const flat = pages.flat();
        expect(flat).toEqual(whole.metrics);
        // Every page but the last is full; the number of pages is the least that holds them all.
        expect(pages.slice(0, -1).every((p) => p.length === size)).toBe(true);
        expect(pages.length).toBe(Math.max(1, Math.ceil(logged.length / size)));
        // Exactly the logged points, each once (as a multiset).
        const count = (xs: Metric[]): Map<string, number> => {
          const m = new Map<string, number>();
          for (const x of xs) {
            const k = `${x.timestamp}|${x.step}|${String(x.value)}`;
            m.set(k, (m.get(k) ?? 0) + 1);
          }
          return m;
        };
        expect(count(flat)).toEqual(count(logged));
      }),
      { numRuns: 30 },
    );
  });
});

describe.skipIf(Boolean(EXTERNAL_URI))('metrics/get-history pagination (embedded server only)', () => {
  it('refuses max_results that is not a whole number from 1 up', async () => {
    const id = await newRun();
    for (const max of [0, -3, 'abc', 2.5]) {
      const p = await page(id, 'loss', max);
      expect(p.status, String(max)).toBe(400);
      expect(p.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
      expect(String(p.json?.['message'])).toMatch(/max_results/);
    }
  });

  it('its token is a cursor: points logged between pages never make a page repeat or skip a point that was there before', async () => {
    const id = await newRun();
    const before: Metric[] = Array.from({ length: 60 }, (_, i) => ({ key: 'c', value: i, timestamp: 1000 + i, step: i }));
    await s.client.logBatch(id, { metrics: before });
    const seen: Metric[] = [];
    let token: string | undefined;
    let round = 0;
    do {
      const p = await page(id, 'c', 7, token);
      seen.push(...p.metrics);
      token = p.token;
      // Earlier in the order than anything read so far (an offset token would then repeat points).
      await s.client.logBatch(id, { metrics: [{ key: 'c', value: -1, timestamp: 10 + round, step: 0 }] });
      round++;
    } while (token);
    const fromBefore = seen.filter((m) => m.value >= 0);
    expect(fromBefore).toEqual(before);
  });
});
