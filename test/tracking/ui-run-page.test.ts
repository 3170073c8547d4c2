import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import type { StudyDetail } from '../../lib/hpo/api';
import { TAG } from '../../lib/hpo/tracking/tags';
import { startTrackingServer, TrackingClient, type Metric, type Run, type TrackingServerHandle } from '../../lib/tracking';
import { defaultMetricKeys, firstSeriesOf, pointsPerRun, sortedMetricKeys, studyMetricOf } from '../../lib/tracking/series-choice';
import { buildStudy } from '../../lib/tracking/ui/core/study';
import { defaultKeys, metricKeys } from '../../lib/tracking/ui/core/study-keys';

// GET /dojo-api/v1/run-page?run_id=ID: a run's page's first data (the run, its experiment, its
// children and their first curves) in one answer, the same as the three requests it replaces.

type RunPage = {
  run: Run;
  experiment: { experiment_id: string; name: string };
  children: Run[];
  series: { keys: string[]; max_points: number; series: { run_id: string; key: string; steps: number[]; values: number[]; total: number }[] };
  files: { path: string; is_dir: boolean }[];
  report_files: { path: string; is_dir: boolean }[];
  hpo: StudyDetail | null;
};

describe('the run-page route of the tracking server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-run-page-'));
  let tracking: TrackingServerHandle;
  let hpoService: HpoServiceHandle | undefined;
  const link: { url?: string } = {};
  let c: TrackingClient;
  let exp: string;
  let parent: string;
  const kids: string[] = [];

  const points = (r: number, keys: readonly string[]): Metric[] =>
    Array.from({ length: 300 }, (_, s) => keys.map((key, k) => ({ key, value: 1 + k + r + 5 / (s + 1), timestamp: 1_700_000_000_000 + s, step: s }))).flat();

  /** Puts a file into a run's artifacts through the server's artifact proxy. */
  const upload = async (run: Run, path: string, body: string) => {
    const res = await fetch(`${tracking.url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '')}/${path}`, { method: 'PUT', body });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow'), hpoUri: () => link.url });
    c = new TrackingClient(tracking.url);
    exp = await c.createExperiment('run-page');
    parent = (await c.createRun({ experimentId: exp, runName: 'study', tags: { [TAG.metric]: 'val_rmse', [TAG.role]: 'study' } })).info.run_id;
    for (let r = 0; r < 3; r++) {
      const id = (await c.createRun({ experimentId: exp, runName: `trial-${r}`, tags: { 'mlflow.parentRunId': parent, [TAG.trialNumber]: String(r) } })).info.run_id;
      kids.push(id);
      // The last trial has no train_rmse.
      const metrics = points(r, r === 2 ? ['val_rmse', 'rows_per_sec'] : ['val_rmse', 'train_rmse', 'rows_per_sec']);
      for (let i = 0; i < metrics.length; i += 1000) await c.logBatch(id, { metrics: metrics.slice(i, i + 1000) });
    }
    await upload(await c.getRun(parent), 'report/index.html', '<h1>report</h1>');
    // A run of the same experiment that is not a child.
    await c.createRun({ experimentId: exp, runName: 'other' });
  });
  afterAll(async () => {
    await hpoService?.close();
    await tracking.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const page = async (query: string, init?: RequestInit) => {
    const res = await fetch(`${tracking.url}/dojo-api/v1/run-page${query}`, init);
    const text = await res.text();
    return { status: res.status, text, json: (text.startsWith('{') ? JSON.parse(text) : undefined) as (RunPage & { error_code?: string; message?: string }) | undefined, etag: res.headers.get('etag'), headers: res.headers };
  };
  const mlflow = async (path: string, body?: unknown): Promise<unknown> =>
    (await fetch(`${tracking.url}/ajax-api/2.0/mlflow/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })).json();
  const seriesOf = async (ids: readonly string[], keys: readonly string[], maxPoints: number) =>
    ((await (await fetch(`${tracking.url}/dojo-api/v1/series?run_ids=${ids.join(',')}&keys=${keys.join(',')}&max_points=${maxPoints}`)).json()) as RunPage['series']).series;

  it("answers what runs/get, experiments/get, runs/search of its children and the series of the page's first keys answer", async () => {
    const r = await page(`?run_id=${parent}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const a = r.json!;
    expect(a.run).toEqual(((await mlflow(`runs/get?run_id=${parent}`)) as { run: Run }).run);
    for (const [field, path] of [['files', ''], ['report_files', 'report']] as const) {
      expect(a[field]).toEqual(((await mlflow(`artifacts/list?run_id=${parent}&path=${path}`)) as { files?: unknown[] }).files ?? []);
    }
    expect(a.report_files.map((f) => f.path)).toEqual(['report/index.html']);
    expect(a.experiment).toEqual(((await mlflow(`experiments/get?experiment_id=${exp}`)) as { experiment: unknown }).experiment);
    // The search the page made itself (lib/tracking/ui/dom/api.ts childrenOf()).
    const search = (await mlflow('runs/search', { experiment_ids: [exp], filter: `tags.\`mlflow.parentRunId\` = '${parent}'`, max_results: 1000 })) as { runs: Run[] };
    expect(a.children).toEqual(search.runs);
    expect(a.children.map((k) => k.info.run_id).sort()).toEqual([...kids].sort());
    // The study's metric and train RMSE (the default compare keys), at the point count for 3 runs.
    expect(a.series.keys).toEqual(['val_rmse', 'train_rmse']);
    expect(a.series.max_points).toBe(pointsPerRun(3));
    expect(a.series.series).toEqual(await seriesOf(a.children.map((k) => k.info.run_id), a.series.keys, a.series.max_points));
    // (The trial without train_rmse has an empty series of it: the page does not ask again.)
    expect(a.series.series.filter((s) => s.key === 'train_rmse').map((s) => s.total)).toEqual(a.children.map((k) => (k.info.run_id === kids[2] ? 0 : 300)));
  });

  it('picks the keys the page picks from the study it builds of tracking alone', async () => {
    const a = (await page(`?run_id=${parent}`)).json!;
    const study = buildStudy(a.run, a.children);
    expect(studyMetricOf(a.run)).toBe(study.metric);
    expect(a.series.keys).toEqual([...new Set([...defaultKeys(study, metricKeys(study)), study.metric])]);
    // Without the tag the study's metric is "objective", which has no curve: the first two keys.
    const untagged = { ...a.run, data: { ...a.run.data, tags: [] } };
    const plain = buildStudy(untagged, a.children);
    expect(firstSeriesOf(untagged, a.children).keys).toEqual([...new Set([...defaultKeys(plain, metricKeys(plain)), plain.metric])]);
    expect(plain.metric).toBe('objective');
    // The compare page's wave (no parent run) picks what its page's buildStudy(undefined, runs) gives.
    const selection = buildStudy(undefined, a.children);
    expect(defaultMetricKeys('objective', sortedMetricKeys(a.children.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key))))).toEqual(defaultKeys(selection, metricKeys(selection)));
  });

  it('answers a run without children with none, and a child run with its own data', async () => {
    const a = (await page(`?run_id=${kids[0]}`)).json!;
    expect(a.run.info.run_id).toBe(kids[0]);
    expect(a.children).toEqual([]);
    expect(a.series).toEqual({ keys: [], max_points: pointsPerRun(0), series: [] });
  });

  it('answers a write made between two reads: no stale answer, and a new ETag', async () => {
    const first = await page(`?run_id=${parent}`);
    // Unchanged: the browser's copy is still good.
    expect((await page(`?run_id=${parent}`, { headers: { 'If-None-Match': first.etag! } })).status).toBe(304);
    await c.logBatch(kids[1]!, { metrics: [{ key: 'val_rmse', value: -7, timestamp: 1_800_000_000_000, step: 5000 }] });
    const logged = await page(`?run_id=${parent}`, { headers: { 'If-None-Match': first.etag! } });
    expect(logged.status).toBe(200);
    expect(logged.etag).not.toBe(first.etag);
    const curve = logged.json!.series.series.find((s) => s.run_id === kids[1] && s.key === 'val_rmse')!;
    expect([curve.steps.at(-1), curve.values.at(-1), curve.total]).toEqual([5000, -7, 301]);
    expect(logged.json!.children.find((k) => k.info.run_id === kids[1])!.data.metrics!.find((m) => m.key === 'val_rmse')!.value).toBe(-7);
    // A new trial is a new child, with its curves.
    const late = (await c.createRun({ experimentId: exp, runName: 'trial-3', tags: { 'mlflow.parentRunId': parent } })).info.run_id;
    await c.logBatch(late, { metrics: points(3, ['val_rmse']) });
    const grown = (await page(`?run_id=${parent}`)).json!;
    expect(grown.children.map((k) => k.info.run_id)).toContain(late);
    expect(grown.series.series.filter((s) => s.run_id === late).map((s) => [s.key, s.total])).toEqual([
      ['val_rmse', 300],
      ['train_rmse', 0],
    ]);
    // A file uploaded (nothing written to the store) is listed at once.
    const before = await page(`?run_id=${parent}`);
    await upload(before.json!.run, 'notes.txt', 'hello');
    const uploaded = await page(`?run_id=${parent}`, { headers: { 'If-None-Match': before.etag! } });
    expect(uploaded.status).toBe(200);
    expect(uploaded.json!.files.map((f) => f.path)).toContain('notes.txt');
    // A tag on the parent (its study's metric) changes the keys picked.
    await c.setTag(parent, TAG.metric, 'rows_per_sec');
    expect((await page(`?run_id=${parent}`)).json!.series.keys).toEqual(['rows_per_sec', 'val_rmse']);
  });

  it("answers a study's run with the HPO service's view of its study, as new as the service's, and null when there is none", async () => {
    // No HPO service linked: none.
    expect((await page(`?run_id=${parent}`)).json!.hpo).toBeNull();
    hpoService = await startHpoService({ dbFile: join(dir, 'hpo.db'), trackingUri: tracking.url, log: () => undefined });
    link.url = hpoService.url;
    const h = new HpoClient(hpoService.url);
    const info = await h.createStudy({ name: 'live', metric: 'val_rmse', space: { x: { type: 'float', low: 0, high: 1 } }, sampler: { name: 'random', seed: 1 }, maxTrials: 3 });
    const t = (await h.ask('live'))!;
    await h.report('live', t.number, 5, 0.5);
    const first = await page(`?run_id=${info.parentRunId}`);
    expect(first.json!.hpo).toEqual(await h.getStudy('live'));
    expect(first.json!.hpo).toEqual(await (await fetch(`${tracking.url}/dojo-api/v1/hpo/studies/${first.json!.hpo!.id}`)).json());
    expect(first.json!.children.map((k) => k.info.run_id)).toEqual([t.runId]);
    // The service's study changes (nothing written to tracking): seen at once, with a new ETag.
    await h.report('live', t.number, 10, 0.25);
    const next = await page(`?run_id=${info.parentRunId}`, { headers: { 'If-None-Match': first.etag! } });
    expect(next.status).toBe(200);
    expect(next.etag).not.toBe(first.etag);
    expect(next.json!.hpo!.trials[0]!.intermediate).toEqual({ 5: 0.5, 10: 0.25 });
    expect((await page(`?run_id=${info.parentRunId}`, { headers: { 'If-None-Match': next.etag! } })).status).toBe(304);
    // The service down: the rest is answered, without its view.
    link.url = 'http://127.0.0.1:9'; // nothing listens on the discard port
    try {
      const down = await page(`?run_id=${info.parentRunId}`);
      expect(down.status).toBe(200);
      expect(down.json!.hpo).toBeNull();
      expect(down.json!.children).toEqual(next.json!.children);
    } finally {
      link.url = hpoService.url;
    }
  });

  it('refuses a missing or malformed run id with a 400, an unknown one with a 404, and anything but GET', async () => {
    for (const q of ['', '?run_id=', '?other=1']) {
      const r = await page(q);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'run_id'." });
    }
    for (const bad of ["x'or'1'='1", '../etc', 'a b', 'x'.repeat(65), '%00']) {
      const r = await page(`?run_id=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(400);
      expect(r.json?.message).toMatch(/Invalid value for 'run_id'/);
    }
    const missing = await page('?run_id=0123456789abcdef0123456789abcdef');
    expect(missing.status).toBe(404);
    expect(missing.json?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await page(`?run_id=${parent}`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(405);
  });
});
