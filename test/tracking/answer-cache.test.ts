import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { startTrackingServer, TrackingClient, type TrackingServerHandle } from '../../lib/tracking';
import { AnswerCache } from '../../lib/tracking/server/answer-cache';

// The tracking server keeps the answers of the reads the web UI repeats on every view (runs/search,
// runs/get, experiments, thinned series, the HPO service's study) until what they were made from
// changes: never an answer older than the last write, and never more than its byte budget.

describe('AnswerCache', () => {
  it('answers only for the version it was kept at, and holds at most maxBytes (least recently used out first)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('get', 'set'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 400 })), { maxLength: 200 }),
        (ops) => {
          const cache = new AnswerCache({ maxBytes: 1000, maxEntryBytes: 300 });
          // A model: what was last set per key (kept or not), to check every hit against.
          const last = new Map<string, { version: string; text: string }>();
          for (const [op, k, v, n] of ops) {
            const key = `k${k}`;
            const version = `v${v}`;
            if (op === 'set') {
              const text = `${key}${version}`.padEnd(n, '.');
              const a = cache.set(key, version, text);
              expect(a.body.toString()).toBe(text);
              last.set(key, { version, text });
            } else {
              const hit = cache.get(key, version);
              if (hit) {
                expect(last.get(key)).toEqual({ version, text: hit.body.toString() });
                expect(hit.version).toBe(version);
              }
            }
            expect(cache.bytes).toBeLessThanOrEqual(1000);
          }
        },
      ),
    );
  });

  it('does not keep a body larger than maxEntryBytes, and evicts the least recently used', () => {
    const cache = new AnswerCache({ maxBytes: 100, maxEntryBytes: 60 });
    expect(cache.set('big', '1', 'x'.repeat(61)).body.length).toBe(61);
    expect(cache.get('big', '1')).toBeUndefined();
    cache.set('a', '1', 'a'.repeat(40));
    cache.set('b', '1', 'b'.repeat(40));
    expect(cache.get('a', '1')).toBeDefined(); // a is now the most recently used
    cache.set('c', '1', 'c'.repeat(40));
    expect(cache.get('b', '1')).toBeUndefined();
    expect(cache.get('a', '1')?.body.toString()).toBe('a'.repeat(40));
    expect(cache.get('c', '1')).toBeDefined();
    expect([cache.size, cache.bytes]).toEqual([2, 80]);
    // Another version of a key replaces it and is counted once.
    cache.set('c', '2', 'c'.repeat(10));
    expect([cache.size, cache.bytes]).toEqual([2, 50]);
    expect(cache.get('c', '1')).toBeUndefined();
  });
});

describe('answers kept by the tracking server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-answer-cache-'));
  let a: TrackingServerHandle;
  let b: TrackingServerHandle;
  let hpo: HpoServiceHandle | undefined;
  let hpoLink: string | undefined;
  let c: TrackingClient;
  let exp: string;
  let runId: string;

  beforeAll(async () => {
    a = await startTrackingServer({ storeDir: join(dir, 'mlflow'), hpoUri: () => hpoLink });
    // A second server on the same store: its writes come from another SQLite connection, as another process's would.
    b = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
    c = new TrackingClient(a.url);
    exp = await c.createExperiment('kept');
    runId = (await c.createRun({ experimentId: exp, runName: 'r0' })).info.run_id;
    await c.logBatch(runId, { metrics: Array.from({ length: 50 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1), timestamp: 1_700_000_000_000 + s, step: s })) });
  });
  afterAll(async () => {
    await hpo?.close();
    await b.close();
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (server: TrackingServerHandle) => ({
    search: async () => (await (await fetch(`${server.url}/ajax-api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ experiment_ids: [exp], max_results: 1000 }) })).json()) as { runs?: { info: { run_id: string; status: string; run_name: string; lifecycle_stage: string }; data: { params?: unknown[]; tags?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] } }[] },
    run: async () => (await (await fetch(`${server.url}/ajax-api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as { run: { info: { status: string; run_name: string }; data: { tags?: { key: string; value: string }[] } } },
    experiment: async () => (await (await fetch(`${server.url}/ajax-api/2.0/mlflow/experiments/get?experiment_id=${exp}`)).json()) as { experiment: { name: string; tags?: { key: string; value: string }[] } },
    series: async () => (await (await fetch(`${server.url}/dojo-api/v1/series?run_ids=${runId}&keys=loss&max_points=60`)).json()) as { series: { total: number; values: number[] }[] },
  });

  it('sees every kind of write made between two reads (no answer older than the last write)', async () => {
    const read = api(a);
    const tagOf = (tags: { key: string; value: string }[] | undefined, key: string) => tags?.find((t) => t.key === key)?.value;
    // Each write, then what the next reads must show; every read is made twice before (the second is a kept answer).
    const steps: [string, () => Promise<unknown>, () => Promise<void>][] = [
      ['log a param', () => c.logParam(runId, 'lr', '0.1'), async () => expect((await read.search()).runs![0]!.data.params).toEqual([{ key: 'lr', value: '0.1' }])],
      ['set a tag', () => c.setTag(runId, 'note', 'one'), async () => expect(tagOf((await read.run()).run.data.tags, 'note')).toBe('one')],
      ['change the tag', () => c.setTag(runId, 'note', 'two'), async () => expect(tagOf((await read.search()).runs![0]!.data.tags, 'note')).toBe('two')],
      ['delete the tag', () => c.deleteTag(runId, 'note'), async () => expect(tagOf((await read.run()).run.data.tags, 'note')).toBeUndefined()],
      ['log a metric', () => c.logMetric(runId, 'loss', 7, 60), async () => {
        expect((await read.search()).runs![0]!.data.metrics).toContainEqual(expect.objectContaining({ key: 'loss', value: 7 }));
        expect((await read.series()).series[0]!.total).toBe(51);
      }],
      ['end the run', () => c.updateRun(runId, { status: 'FINISHED', endTime: Date.now() }), async () => expect((await read.run()).run.info.status).toBe('FINISHED')],
      ['rename the run', () => c.updateRun(runId, { runName: 'renamed' }), async () => expect((await read.search()).runs![0]!.info.run_name).toBe('renamed')],
      ['delete the run', () => c.deleteRun(runId), async () => expect((await read.search()).runs ?? []).toEqual([])],
      ['restore the run', () => c.restoreRun(runId), async () => expect((await read.search()).runs).toHaveLength(1)],
      ['tag the experiment', () => c.setExperimentTag(exp, 'team', 'ml'), async () => expect(tagOf((await read.experiment()).experiment.tags, 'team')).toBe('ml')],
      ['rename the experiment', () => c.renameExperiment(exp, 'kept-2'), async () => expect((await read.experiment()).experiment.name).toBe('kept-2')],
      ['log a dataset', () => c.logInputs(runId, [{ dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '/d' } }]), async () => {
        const run = (await read.search()).runs![0]! as unknown as { inputs?: { dataset_inputs?: { dataset: { name: string } }[] } };
        expect(run.inputs?.dataset_inputs?.map((i) => i.dataset.name)).toEqual(['d']);
      }],
    ];
    for (const [what, write, check] of steps) {
      for (let i = 0; i < 2; i++) await Promise.all([read.search(), read.run(), read.experiment(), read.series()]);
      await write();
      await check().catch((e: Error) => {
        throw new Error(`after "${what}": ${e.message}`);
      });
    }
  });

  it('sees writes made through another connection to the same store (another process)', async () => {
    const viaB = api(b);
    const before = await viaB.search();
    expect(await viaB.search()).toEqual(before);
    await c.setTag(runId, 'from', 'a'); // written by server a; server b kept its answer
    expect((await viaB.search()).runs![0]!.data.tags).toContainEqual({ key: 'from', value: 'a' });
    const series = (await viaB.series()).series[0]!.total;
    await c.logMetric(runId, 'loss', 8, 70);
    expect((await viaB.series()).series[0]!.total).toBe(series + 1);
  });

  it('answers 304 to a GET naming the ETag it holds, until a write changes the answer', async () => {
    const url = `${a.url}/ajax-api/2.0/mlflow/runs/get?run_id=${runId}`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await c.setTag(runId, 'etag', 'changed');
    const changed = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(JSON.stringify(await changed.json())).toContain('changed');
    // A series answer too.
    const s = await fetch(`${a.url}/dojo-api/v1/series?run_ids=${runId}&keys=loss`);
    expect((await fetch(`${a.url}/dojo-api/v1/series?run_ids=${runId}&keys=loss`, { headers: { 'If-None-Match': s.headers.get('etag')! } })).status).toBe(304);
  });

  it("asks the HPO service for a study with the ETag of the answer it kept: a 304 sends that answer, a change is passed on", async () => {
    hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), log: () => undefined });
    hpoLink = hpo.url;
    const h = new HpoClient(hpo.url);
    await h.createStudy({ name: 'kept', space: { x: { type: 'float', low: 0, high: 1 } }, sampler: { name: 'random', seed: 1 }, maxTrials: 3 });
    const t = (await h.ask('kept'))!;
    const view = async () => (await (await fetch(`${a.url}/dojo-api/v1/hpo/studies/kept`)).json()) as unknown;
    expect(await view()).toEqual(await h.getStudy('kept'));
    expect(await view()).toEqual(await h.getStudy('kept'));
    await h.report('kept', t.number, 5, 0.25);
    expect(await view()).toEqual(await h.getStudy('kept'));
    await h.tell('kept', t.number, 'complete', 0.2);
    const told = (await view()) as { trials: { state: string; value?: number }[] };
    expect(told.trials[0]).toMatchObject({ state: 'complete', value: 0.2 });

    // What goes over the wire: a fake service that answers 304 to the ETag it gave.
    const seen: IncomingHttpHeaders[] = [];
    let body = '{"id":1,"trials":[]}';
    const fake = createServer((req, res) => {
      seen.push(req.headers);
      const etag = `"e${body.length}"`;
      if (req.headers['if-none-match'] === etag) res.writeHead(304, { ETag: etag }).end();
      else res.writeHead(200, { 'Content-Type': 'application/json', ETag: etag }).end(body);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    hpoLink = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      const get = () => fetch(`${a.url}/dojo-api/v1/hpo/studies/1`).then((r) => r.json());
      expect(await get()).toEqual({ id: 1, trials: [] });
      expect(await get()).toEqual({ id: 1, trials: [] });
      expect(seen.map((s) => s['if-none-match'])).toEqual([undefined, `"e${body.length}"`]);
      body = '{"id":1,"trials":[{"number":0}]}';
      expect(await get()).toEqual({ id: 1, trials: [{ number: 0 }] });
    } finally {
      fake.close();
      hpoLink = hpo.url;
    }
  });

  it('the HPO service answers a study with an ETag, and 304 while it has not changed', async () => {
    const url = `${hpo!.url}/api/v1/studies/kept`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await fetch(url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const h = new HpoClient(hpo!.url);
    await h.ask('kept');
    expect((await fetch(url, { headers: { 'If-None-Match': etag } })).status).toBe(200);
  });
});
