import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { startTrackingServer, TrackingClient, type Metric, type TrackingServerHandle } from '../../lib/tracking';
import { pointsPerRun, SERIES_POINTS } from '../../lib/tracking/series-choice';
import { warmSeriesAtRunEnd } from '../../lib/tracking/server/dojo-api/warm';
import { TrackingStore } from '../../lib/tracking/store';
import { downsample } from '../../lib/tracking/store/downsample';
import { roundForChart, SeriesReader } from '../../lib/tracking/store/series';

// The embedded server's read-only routes for its web UI: thinned metric series of many runs at once
// (GET /dojo-api/v1/series) and the linked HPO service's view of a study (GET /dojo-api/v1/hpo/studies/ID).

describe('downsample', () => {
  const series = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(NaN))), { minLength: 0, maxLength: 3000 })
    .map((pts) => pts.sort((a, b) => a[0] - b[0]));

  it('keeps at most maxPoints + 2 of the finite points, in step order, with the first, the last, the lowest and the highest', () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 2, max: 400 }), (pts, max) => {
        const out = downsample(pts.map((p) => p[0]), pts.map((p) => p[1]), max);
        const finite = pts.filter((p) => Number.isFinite(p[1]));
        expect(out.steps).toHaveLength(out.values.length);
        expect(out.steps.length).toBeLessThanOrEqual(Math.max(finite.length === 0 ? 0 : 1, Math.min(finite.length, max + 2)));
        for (let i = 1; i < out.steps.length; i++) expect(out.steps[i]!).toBeGreaterThanOrEqual(out.steps[i - 1]!);
        // Every kept point is one of the input's.
        const have = new Set(finite.map((p) => `${p[0]}:${p[1]}`));
        out.steps.forEach((s, i) => expect(have.has(`${s}:${out.values[i]}`)).toBe(true));
        if (finite.length === 0) return;
        expect([out.steps[0], out.values[0]]).toEqual(finite[0]);
        expect([out.steps.at(-1), out.values.at(-1)]).toEqual(finite.at(-1));
        const vals = finite.map((p) => p[1]);
        expect(Math.min(...out.values)).toBe(Math.min(...vals));
        expect(Math.max(...out.values)).toBe(Math.max(...vals));
        if (finite.length <= max + 2) expect(out.values).toEqual(vals);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses mismatched arrays and a maxPoints below 2', () => {
    expect(() => downsample([1, 2], [1], 10)).toThrow(/2 steps but 1 values/);
    expect(() => downsample([1], [1], 1)).toThrow(/maxPoints/);
  });
});

describe('dojo read routes of the tracking server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-ui-routes-'));
  let tracking: TrackingServerHandle;
  let hpo: HpoServiceHandle;
  let hpoLink: string | undefined;
  let c: TrackingClient;
  let exp: string;
  const runs: string[] = [];

  beforeAll(async () => {
    tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow'), hpoUri: () => hpoLink });
    c = new TrackingClient(tracking.url);
    exp = await c.createExperiment('series');
    for (let r = 0; r < 3; r++) {
      const run = await c.createRun({ experimentId: exp, runName: `r${r}` });
      runs.push(run.info.run_id);
      const metrics: Metric[] = [];
      for (let s = 0; s < 1000; s++) metrics.push({ key: 'loss', value: s === 500 ? 99 : 10 / (s + 1) + r, timestamp: 1_700_000_000_000 + s, step: s });
      metrics.push({ key: 'val', value: NaN, timestamp: 1_700_000_000_000, step: 0 }, { key: 'val', value: 3 + r, timestamp: 1_700_000_000_001, step: 999 });
      for (let i = 0; i < metrics.length; i += 1000) await c.logBatch(run.info.run_id, { metrics: metrics.slice(i, i + 1000) });
    }
  });
  afterAll(async () => {
    await hpo?.close();
    await tracking.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${tracking.url}/dojo-api/v1/${path}`, init);
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  type Answer = { series: { run_id: string; key: string; steps: number[]; values: number[]; total: number }[] };

  it('answers thinned series of several runs and keys as columns, keeping spikes, the last point and dropping NaN', async () => {
    const r = await get(`series?run_ids=${runs.join(',')}&run_ids=0123456789abcdef0123456789abcdef&keys=loss&keys=val&max_points=100`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const a = r.json as unknown as Answer;
    // The unknown run is left out; every run has both keys.
    expect(a.series.map((s) => [s.run_id, s.key])).toEqual(runs.flatMap((id) => [[id, 'loss'], [id, 'val']]));
    for (const s of a.series.filter((x) => x.key === 'loss')) {
      expect(s.total).toBe(1000);
      expect(s.steps.length).toBeLessThanOrEqual(102);
      expect(s.steps[0]).toBe(0);
      expect(s.steps.at(-1)).toBe(999);
      expect(s.values).toContain(99); // the spike at step 500 survives thinning
      // Each value is the logged one to 7 significant digits (10 / (step + 1) + r has up to 17).
      const r = runs.indexOf(s.run_id);
      s.steps.forEach((step, i) => {
        const logged = step === 500 ? 99 : 10 / (step + 1) + r;
        expect(Math.abs(s.values[i]! - logged)).toBeLessThanOrEqual(Math.abs(logged) * 5e-7);
        expect(s.values[i]).toBe(Number(s.values[i]!.toPrecision(7)));
      });
    }
    const val = a.series.find((x) => x.key === 'val' && x.run_id === runs[1])!;
    expect(val).toEqual({ run_id: runs[1], key: 'val', steps: [999], values: [4], total: 2 });
  });

  it('rounds values to 7 significant digits, printed as short decimals (below 1e-16 and from 1e29 on left as they are)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const r = roundForChart(v);
        const a = Math.abs(v);
        if (a < 1e-17 || a >= 1e30) expect(r).toBe(v);
        else if (a >= 1e-15 && a < 1e28) {
          expect(Math.abs(r - v)).toBeLessThanOrEqual(a * 5e-7 * (1 + 1e-9));
          expect(String(r).replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length).toBeLessThanOrEqual(7);
        }
      }),
    );
    expect([0, NaN, Infinity, 1, -2.5, 1234567890, 3.14159265358979, 1e-300, 1e300].map(roundForChart)).toEqual([0, NaN, Infinity, 1, -2.5, 1234568000, 3.141593, 1e-300, 1e300]);
  });

  it('answers points logged after an earlier read (a cached series is checked against the newest row)', async () => {
    const before = (await get(`series?run_ids=${runs[0]}&keys=loss&max_points=50`)).json as unknown as Answer;
    expect(before.series[0]!.steps.at(-1)).toBe(999);
    await c.logBatch(runs[0]!, { metrics: [{ key: 'loss', value: -5, timestamp: 1_800_000_000_000, step: 1500 }] });
    const after = (await get(`series?run_ids=${runs[0]}&keys=loss&max_points=50`)).json as unknown as Answer;
    expect(after.series[0]!.total).toBe(1001);
    expect(after.series[0]!.steps.at(-1)).toBe(1500);
    expect(after.series[0]!.values.at(-1)).toBe(-5);
  });

  it('serves the UI with a content security policy, and its script again only when it changed (ETag)', async () => {
    const page = await fetch(`${tracking.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // The boot script inline, first in <head>, allowed by its hash (no 'unsafe-inline'); the page's
    // code at a content-hashed URL that the browser keeps for good.
    const html = await page.text();
    const boot = /<head>[^]*?<meta[^>]*>\s*<meta[^>]*>\s*<script>([^]*?)<\/script>/.exec(html)?.[1];
    expect(boot).toBeDefined();
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain(`script-src 'self' 'sha256-${createHash('sha256').update(boot!).digest('base64')}'`);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const appPath = /<script src="(\/static\/app\.[\w-]+\.js)"><\/script>/.exec(html)?.[1];
    expect(appPath).toBeDefined();
    const hashed = await fetch(`${tracking.url}${appPath}`);
    expect(hashed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const first = await fetch(`${tracking.url}/static/app.js`);
    expect(await hashed.text()).toBe(await first.clone().text());
    // An earlier build's hash: today's script, not to be kept for good.
    expect((await fetch(`${tracking.url}/static/app.AAAAAAAAAAAAAAAA.js`)).headers.get('cache-control')).toBe('no-cache');
    expect(first.status).toBe(200);
    expect((await first.text()).length).toBeGreaterThan(10_000);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${tracking.url}/static/app.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await fetch(`${tracking.url}/static/app.js`, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    expect((await fetch(`${tracking.url}/static/missing.js`)).status).toBe(404);
  }, 60_000);

  it('refuses bad input with a 400 naming the parameter, and anything but GET', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `r${i}`).join(',');
    expect((await get(`series?run_ids=${many}&keys=loss`)).json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: "At most 100 values of 'run_ids' per request, got 101." });
    expect((await get(`series?keys=loss`)).json?.['message']).toMatch(/'run_ids'/);
    expect((await get(`series?run_ids=${runs[0]}`)).json?.['message']).toMatch(/'keys'/);
    for (const bad of ['1', '5001', 'abc', '2.5']) {
      const r = await get(`series?run_ids=${runs[0]}&keys=loss&max_points=${bad}`);
      expect(r.status).toBe(400);
      expect(r.json?.['message']).toMatch(/'max_points'/);
    }
    expect((await get('series', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(405);
    expect((await get('nothing-here')).status).toBe(404);
  });

  it('passes on the linked HPO service\'s study, and says when there is none', async () => {
    const unlinked = await get('hpo/studies/1');
    expect(unlinked.status).toBe(404);
    expect(unlinked.json).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), log: () => undefined });
    hpoLink = hpo.url;
    const h = new HpoClient(hpo.url);
    await h.createStudy({ name: 'live', space: { x: { type: 'float', low: 0, high: 1 } }, sampler: { name: 'random', seed: 1 }, maxTrials: 3 });
    const t = (await h.ask('live'))!;
    await h.report('live', t.number, 5, 0.5);
    const viaTracking = await get('hpo/studies/live');
    expect(viaTracking.status).toBe(200);
    expect(viaTracking.json).toEqual(await h.getStudy('live'));
    expect((await get('hpo/studies/nope')).json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await get('hpo/studies/a%20b')).status).toBe(400);
    expect((await get('hpo/studies/%2e%2e%2fapi')).status).toBe(400);
    expect((await get('hpo/studies/x/ask')).status).toBe(404);
    expect((await get('hpo/studies/live', { method: 'DELETE' })).status).toBe(405);
  });

  it('forwards nothing of the browser\'s request to the HPO service, and answers 502 when it misbehaves', async () => {
    const seen: { url?: string; headers?: IncomingHttpHeaders }[] = [];
    let answer: [number, string] = [200, 'not json'];
    const fake = createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      res.writeHead(answer[0], { 'Content-Type': 'application/json' });
      res.end(answer[1]);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    hpoLink = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      const r = await get('hpo/studies/7?x=1', { headers: { Cookie: 'session=secret', Authorization: 'Bearer secret' } });
      expect(r.status).toBe(502);
      expect(r.json?.['message']).toMatch(/not JSON/);
      expect(seen[0]!.url).toBe('/api/v1/studies/7');
      expect(JSON.stringify(seen[0]!.headers)).not.toContain('secret');
      answer = [500, '{"error":"boom"}'];
      expect((await get('hpo/studies/7')).json?.['message']).toMatch(/answered 500/);
      fake.close();
      hpoLink = 'http://127.0.0.1:9'; // nothing listens on the discard port
      const down = await get('hpo/studies/7');
      expect(down.status).toBe(502);
      expect(down.json?.['message']).toMatch(/did not answer/);
    } finally {
      fake.close();
      hpoLink = hpo.url;
    }
  });
});

describe('curves thinned when a run ends (before the first view asks)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-ui-warm-'));
  let store: TrackingStore;
  const ids: string[] = [];

  beforeAll(async () => {
    const tracking = await startTrackingServer({ storeDir: dir });
    const c = new TrackingClient(tracking.url);
    const exp = await c.createExperiment('warm');
    for (let r = 0; r < 3; r++) {
      const run = await c.createRun({ experimentId: exp, runName: `w${r}` });
      ids.push(run.info.run_id);
      const metrics: Metric[] = [];
      for (let s = 0; s < 1000; s++) metrics.push({ key: 'loss', value: 10 / (s + 1) + r, timestamp: 1_700_000_000_000 + s, step: s }, { key: 'acc', value: s / 1000, timestamp: 1_700_000_000_000 + s, step: s });
      for (let i = 0; i < metrics.length; i += 1000) await c.logBatch(run.info.run_id, { metrics: metrics.slice(i, i + 1000) });
    }
    await tracking.close();
    store = new TrackingStore(dir);
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // The one read of a history (a private step of SeriesReader): counted to show what was served from the cache.
  const historyReads = () => vi.spyOn(store.series as unknown as { history: (run: number, key: string) => unknown }, 'history');

  it('thins every metric of a run that ended to each point count the UI asks for; views then read no history', async () => {
    const warm = vi.spyOn(store.series, 'warm');
    warmSeriesAtRunEnd({ run_id: ids[0], status: 'RUNNING' }, store);
    warmSeriesAtRunEnd({ run_id: ids[1], status: 'FINISHED' }, store);
    await vi.waitFor(() => expect(warm).toHaveBeenCalledTimes(2), { timeout: 30_000, interval: 20 });
    // Queued in order: the RUNNING update (first) warmed nothing.
    expect(warm.mock.calls.map((c) => [c[0], c[1]])).toEqual([[ids[1], 'acc'], [ids[1], 'loss']]);
    expect(warm.mock.results.map((r) => r.value)).toEqual([true, true]);
    warm.mockRestore();
    const reads = historyReads();
    for (const p of SERIES_POINTS) {
      const s = store.series.read(ids[1]!, 'loss', p)!;
      expect(s.total).toBe(1000);
      expect(s.steps.length).toBeLessThanOrEqual(p + 2);
      expect(s.steps.at(-1)).toBe(999);
    }
    expect(reads).not.toHaveBeenCalled();
    // A run that did not end is read at its first view.
    store.series.read(ids[0]!, 'loss', 100);
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
  });

  it('answers the same thinned series as a read would, and leaves a history longer than the limit to the first view', () => {
    const other = new SeriesReader((store as unknown as { db: Database.Database }).db);
    expect(other.warm(ids[2]!, 'loss', [100, 60], 999)).toBe(false);
    expect(other.warm(ids[2]!, 'loss', [100, 60], 1000)).toBe(true);
    // Cached now: warming again reads nothing.
    expect(other.warm(ids[2]!, 'loss', [100, 60], 1000)).toBe(false);
    const fresh = new SeriesReader((store as unknown as { db: Database.Database }).db);
    for (const p of [100, 60]) expect(other.read(ids[2]!, 'loss', p)).toEqual(fresh.read(ids[2]!, 'loss', p));
    expect(other.warm('0123456789abcdef0123456789abcdef', 'loss', [100], 1000)).toBe(false);
    expect(other.keysOf(ids[2]!)).toEqual(['acc', 'loss']);
  });

  it('ends up with the UI asking for one of the point counts the server thinned to', () => {
    for (let runs = 0; runs <= 2000; runs++) expect(SERIES_POINTS).toContain(pointsPerRun(runs));
    expect([1, 50, 51, 100, 101, 200, 201, 5000].map(pointsPerRun)).toEqual([400, 400, 200, 200, 100, 100, 60, 60]);
  });
});
