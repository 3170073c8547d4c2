import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService } from '../../lib/hpo/service';
import { startTrackingServer, TrackingClient, type TrackingServerHandle } from '../../lib/tracking';
import { branin } from '../../testkit/hpo/objectives';
import { until } from '../e2e/harness';

const dir = mkdtempSync(join(tmpdir(), 'dojo-hpo-tracking-'));
let tracking: TrackingServerHandle;

beforeAll(async () => {
  tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
});
afterAll(async () => {
  await tracking.close();
  rmSync(dir, { recursive: true, force: true });
});

const tagsOf = (r: { data: { tags?: { key: string; value: string }[] } }) => Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value]));

describe('HPO service with --tracking', () => {
  it('writes a study as a parent run and trials as child runs, uploads the report at study end, and rebuilds the study from tracking alone', async () => {
    const svc = await startHpoService({ dbFile: join(dir, 'a.db'), trackingUri: tracking.url, log: () => undefined });
    const c = new HpoClient(svc.url);
    const info = await c.createStudy({ name: 'tracked', direction: 'minimize', space: branin.space, sampler: { name: 'random', seed: 3 }, maxTrials: 8, metric: 'val_rmse' });
    expect(info.parentRunId).toMatch(/^[0-9a-f]{32}$/);
    for (let i = 0; ; i++) {
      const t = await c.ask('tracked');
      if (!t) break;
      expect(t.runId).toMatch(/^[0-9a-f]{32}$/);
      await c.report('tracked', t.number, 1, 50);
      if (i === 3) await c.tell('tracked', t.number, 'pruned');
      else if (i === 5) await c.tell('tracked', t.number, 'fail');
      else await c.tell('tracked', t.number, 'complete', branin.f(t.params));
    }
    const study = await c.getStudy('tracked');
    expect(study.state).toBe('finished');
    await svc.close();

    const tc = new TrackingClient(tracking.url);
    const parent = await tc.getRun(info.parentRunId!);
    expect(parent.info.status).toBe('FINISHED');
    expect(tagsOf(parent)).toMatchObject({ 'hpo.sampler': 'random', 'hpo.seed': '3', 'hpo.direction': 'minimize', 'hpo.space': JSON.stringify(branin.space) });
    const children = await tc.searchAllRuns({ experimentIds: [parent.info.experiment_id], filter: `tags.\`mlflow.parentRunId\` = '${parent.info.run_id}'` });
    expect(children).toHaveLength(8);
    expect(study.counts).toEqual({ running: 0, complete: 6, pruned: 1, failed: 1 });
    for (const t of study.trials) {
      const run = children.find((r) => r.info.run_id === t.runId)!;
      expect(run.info.status).toBe({ complete: 'FINISHED', pruned: 'KILLED', failed: 'FAILED', running: 'RUNNING' }[t.state]);
      expect(tagsOf(run)).toMatchObject({ 'hpo.trial_number': String(t.number), 'hpo.state': t.state });
      expect(Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({ x1: String(t.params.x1), x2: String(t.params.x2) });
      if (t.state === 'complete') expect(run.data.metrics?.find((m) => m.key === 'objective')?.value).toBe(t.value);
    }
    const artifacts = (await tc.listArtifacts(parent.info.run_id, 'report')).map((f) => f.path).sort();
    expect(artifacts).toEqual(['report/contour.svg', 'report/history.svg', 'report/importances.svg', 'report/index.html', 'report/parallel_coordinates.svg']);
    const html = new TextDecoder().decode(await tc.downloadArtifact(parent, 'report/index.html'));
    expect(html).toContain(`trial ${study.best!.number}`);

    // The database is lost: a new service on an empty db rebuilds the study from tracking.
    const svc2 = await startHpoService({ dbFile: join(dir, 'b.db'), trackingUri: tracking.url, log: () => undefined });
    const rebuilt = await new HpoClient(svc2.url).getStudy('tracked');
    await svc2.close();
    expect(rebuilt.id).toBe(study.id);
    expect(rebuilt.best).toEqual(study.best);
    expect(rebuilt.sampler).toEqual(study.sampler);
    expect(rebuilt.trials.map((t) => [t.number, t.state, t.params, t.value, t.runId])).toEqual(study.trials.map((t) => [t.number, t.state, t.params, t.value, t.runId]));
  }, 60_000);

  it('a space too large for one MLflow tag (5000 characters) is split over several and rebuilt whole', async () => {
    const svc = await startHpoService({ dbFile: join(dir, 'big-a.db'), trackingUri: tracking.url, log: () => undefined });
    const c = new HpoClient(svc.url);
    // 600 long categorical choices: the spec's JSON is about 5 tags long.
    const choices = Array.from({ length: 600 }, (_, i) => `feature-set-${String(i).padStart(4, '0')}-${'x'.repeat(20)}`);
    const space = { ...branin.space, fs: { type: 'categorical' as const, choices } };
    const info = await c.createStudy({ name: 'big-space', direction: 'minimize', space, sampler: { name: 'random', seed: 5 }, maxTrials: 3 });
    for (let t = await c.ask('big-space'); t; t = await c.ask('big-space')) await c.tell('big-space', t.number, 'complete', branin.f(t.params));
    const study = await c.getStudy('big-space');
    await svc.close();
    const tags = tagsOf(await new TrackingClient(tracking.url).getRun(info.parentRunId!));
    expect(Number(tags['hpo.spec.parts'])).toBeGreaterThanOrEqual(4);
    for (const [k, v] of Object.entries(tags)) expect(v.length, k).toBeLessThanOrEqual(5000);
    const svc2 = await startHpoService({ dbFile: join(dir, 'big-b.db'), trackingUri: tracking.url, log: () => undefined });
    const rebuilt = await new HpoClient(svc2.url).getStudy('big-space');
    await svc2.close();
    expect(rebuilt.space).toEqual(study.space);
    expect(rebuilt.trials.map((t) => [t.number, t.params, t.value])).toEqual(study.trials.map((t) => [t.number, t.params, t.value]));
  }, 60_000);
});

/** A proxy to the tracking server that refuses every artifact upload (403), as a bucket policy or a full disk would. */
async function refusingUploads(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT' && req.url?.includes('/mlflow-artifacts/')) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'PERMISSION_DENIED', message: 'uploads refused' }));
        return;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length')) as Record<string, string>;
      fetch(`${target}${req.url}`, { method: req.method, headers, body })
        .then(async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer())))
        .catch((e: Error) => res.writeHead(502).end(e.message));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('a study whose report upload fails', () => {
  it('ends its parent run FINISHED (not RUNNING) with the warning in the tag hpo.warning and in the log', async () => {
    const proxy = await refusingUploads(tracking.url);
    const log: string[] = [];
    const svc = await startHpoService({ dbFile: join(dir, 'refused.db'), trackingUri: proxy.url, log: (l) => log.push(l) });
    try {
      const c = new HpoClient(svc.url);
      const info = await c.createStudy({ name: 'refused', direction: 'minimize', space: branin.space, sampler: { name: 'random', seed: 5 }, maxTrials: 3, metric: 'val_rmse' });
      for (;;) {
        const t = await c.ask('refused');
        if (!t) break;
        await c.tell('refused', t.number, 'complete', branin.f(t.params));
      }
      const tc = new TrackingClient(tracking.url);
      const parent = await until('the parent run to end', async () => {
        const r = await tc.getRun(info.parentRunId!);
        return r.info.status !== 'RUNNING' ? r : undefined;
      });
      expect(parent.info.status).toBe('FINISHED');
      const warning = tagsOf(parent)['hpo.warning'];
      expect(warning).toMatch(/^uploading the report failed: .*403/);
      expect(tagsOf(parent)['hpo.best_trial']).toBeDefined();
      await until('the warning logged', () => (log.some((l) => l.startsWith('study refused: warning: uploading the report failed')) ? true : undefined));
      expect(log.join('\n')).toContain(`run ${info.parentRunId} has no report`);
    } finally {
      await svc.close();
      await proxy.close();
    }
  });
});
