// A study in a local dojo ends with its best trial's model on the parent run (best_model/) and a
// registered model version named after the study; `dojo predict --model models:/<name>/1` uses it.
// Real HPO service, tracking server and worker loop on 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as predict } from '../../lib/cli/commands/predict';
import { memoryIo } from '../../lib/cli/io';
import { HpoClient, type StudyDetail } from '../../lib/hpo';
import { HpoEngine, SqliteStore, startHpoService } from '../../lib/hpo/service';
import { BEST_MODEL_TAG } from '../../lib/hpo/tracking/best-model';
import { rebuildFromTracking } from '../../lib/hpo/tracking/rebuild';
import { TrackingClient, startTrackingServer } from '../../lib/tracking';
import { RegistryClient } from '../../lib/tracking/registry-client';
import { synthesize } from '../../runtime/src/data';
import { CSV_HEADER } from '../../runtime/src/data/schema';
import { forward } from '../../runtime/src/model';
import { decodeModel } from '../../runtime/src/model-file';
import { runWorker } from '../../runtime/src/worker';

let dir: string;
let tracking: { url: string; close(): Promise<void> | void };
let hpo: { url: string; close(): Promise<void> | void };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-best-model-'));
  await synthesize({ rows: 2000, parts: 2, out: join(dir, 'train'), seed: 1 });
  await synthesize({ rows: 400, parts: 1, out: join(dir, 'val'), seed: 2 });
  tracking = await startTrackingServer({ storeDir: join(dir, 'tracking') });
  hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), host: '127.0.0.1', port: 0, trackingUri: tracking.url, log: () => undefined });
}, 60_000);
afterAll(async () => {
  await hpo?.close();
  await tracking?.close();
  rmSync(dir, { recursive: true, force: true });
});

// The study's end work runs after the tell that ends it: wait for its result (polling; the test's
// timeout bounds the wait, however slow a loaded machine makes it).
async function waitForTag(t: TrackingClient, runId: string, key: string): Promise<string> {
  for (;;) {
    const v = (await t.getRun(runId)).data.tags?.find((x) => x.key === key)?.value;
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForBestModel(client: HpoClient, id: number): Promise<StudyDetail> {
  for (;;) {
    const d = await client.getStudy(id);
    if (d.bestModel) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('study end: best model', () => {
  it('without a tracking server an ended study has no bestModel field', async () => {
    const engine = new HpoEngine(new SqliteStore(':memory:'));
    await engine.createStudy({ name: 'untracked', space: { x: { type: 'float', low: 0, high: 1 } }, sampler: { name: 'random', seed: 1 }, maxTrials: 2 });
    for (let i = 0; i < 2; i++) {
      const t = await engine.ask('untracked');
      await engine.tell('untracked', t.number, 'complete', t.params.x as number);
    }
    await engine.idle();
    const d = engine.getStudy('untracked');
    engine.close();
    expect(d.state).toBe('finished');
    expect(d.best).not.toBeNull();
    expect('bestModel' in d).toBe(false);
  });


  it('a database from before best_model gains the column and keeps its studies', () => {
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.exec('CREATE TABLE studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, spec TEXT NOT NULL, seed INTEGER NOT NULL, created_at INTEGER NOT NULL, parent_run_id TEXT, finished_at INTEGER)');
    old.prepare('INSERT INTO studies (name, spec, seed, created_at, parent_run_id) VALUES (?, ?, ?, ?, ?)').run('old', '{}', 1, 1, 'p1');
    old.close();
    const store = new SqliteStore(file);
    expect(store.loadAll().map((x) => [x.study.name, x.study.bestModel])).toEqual([['old', undefined]]);
    const m = { runId: 'p1', artifactPath: 'best_model', uri: 'runs:/p1/best_model' };
    store.setBestModel(1, m);
    expect(store.loadAll()[0]!.study.bestModel).toEqual(m);
    store.close();
  });

  it('every trial logs model/, the best is copied to best_model/ and registered; predict models:/<job>/1', async () => {
    const client = new HpoClient(hpo.url);
    const study = await client.createStudy({
      name: 'fare-job',
      space: { lr: { type: 'float', low: 0.005, high: 0.05, log: true }, batch_size: { type: 'categorical', choices: [64] }, max_batches: { type: 'int', low: 15, high: 15 } },
      sampler: { name: 'random', seed: 1 },
      pruner: { name: 'none' },
      maxTrials: 3,
      metric: 'val_rmse',
    });
    const summary = await runWorker(
      {
        trackingUri: tracking.url, hpoUri: hpo.url, jobId: 'fare-job', studyId: String(study.id), replicas: 1, group: '0',
        trainGlob: join(dir, 'train', 'part-*.csv'), valGlob: join(dir, 'val', 'part-*.csv'), metric: 'val_rmse', dtype: 'float32', onBadRow: 'fail',
        evalEvery: 5, rendezvousTimeoutMs: 20_000, lostTimeoutMs: 10_000, patienceMs: 5_000, maxConsecutiveFailures: 3,
      },
      () => undefined,
    );
    expect(summary.complete).toBe(3);
    const detail = await client.getStudy(study.id);
    const t = new TrackingClient(tracking.url);
    for (const trial of detail.trials) {
      expect((await t.listArtifacts(trial.runId!, 'model')).map((f) => f.path).sort()).toEqual(['model/MLmodel', 'model/model.dojo']);
    }
    const bestTrial = detail.trials.find((x) => x.number === detail.best!.number)!;
    const child = await t.getRun(bestTrial.runId!);
    const parentRunId = child.data.tags!.find((x) => x.key === 'mlflow.parentRunId')!.value;
    const registered = await waitForTag(t, parentRunId, BEST_MODEL_TAG.registered);
    expect(registered).toBe('models:/fare-job/1');
    expect((await t.getRun(parentRunId)).data.tags?.find((x) => x.key === BEST_MODEL_TAG.uri)?.value).toBe(`runs:/${parentRunId}/best_model`);
    const parent = await t.getRun(parentRunId);
    const best = await t.downloadArtifact(parent, 'best_model/model.dojo');
    expect(Buffer.from(best).equals(Buffer.from(await t.downloadArtifact(child, 'model/model.dojo')))).toBe(true);
    const mlmodel = new TextDecoder().decode(await t.downloadArtifact(parent, 'best_model/MLmodel'));
    expect(mlmodel).toMatch(/^artifact_path: best_model$/m);
    // It names the run that holds it (MLflow reads run_id as the model's run), not the trial's.
    expect(mlmodel.match(/^run_id: .*$/gm)).toEqual([`run_id: ${parentRunId}`]);
    expect(await new RegistryClient(t).getModelVersion('fare-job', '1')).toMatchObject({ source: `runs:/${parentRunId}/best_model`, run_id: parentRunId });

    // The study summary names it: the study detail, the HTML report (uploaded and served), and
    // both survive a restart (the database) and a rebuild from tracking alone (the tags).
    const bestModel = {
      runId: parentRunId,
      artifactPath: 'best_model',
      uri: `runs:/${parentRunId}/best_model`,
      registeredModel: { name: 'fare-job', version: '1', uri: 'models:/fare-job/1' },
    };
    expect((await waitForBestModel(client, study.id)).bestModel).toEqual(bestModel);
    const uploaded = new TextDecoder().decode(await t.downloadArtifact(parent, 'report/index.html'));
    expect(uploaded).toMatch(new RegExp(`best model: <code>runs:/${parentRunId}/best_model</code>; registered as <code>models:/fare-job/1</code>`));
    expect(await client.reportHtml(study.id)).toContain('registered as <code>models:/fare-job/1</code>');
    const reopened = new SqliteStore(join(dir, 'hpo.db'));
    expect(reopened.loadAll().find((x) => x.study.name === 'fare-job')?.study.bestModel).toEqual(bestModel);
    reopened.close();
    const rebuilt = new SqliteStore(':memory:');
    await rebuildFromTracking(tracking.url, rebuilt);
    expect(rebuilt.loadAll().find((x) => x.study.name === 'fare-job')?.study.bestModel).toEqual(bestModel);
    rebuilt.close();

    // The registered model predicts the validation files; its RMSE is the best trial's val_rmse.
    const io = memoryIo({ DOJO_TRACKING_URI: tracking.url });
    const out = join(dir, 'pred.csv');
    expect(await predict([], { model: 'models:/fare-job/1', input: join(dir, 'val', 'part-*.csv'), output: out, batch: 100 } as never, { io, debug: false })).toBe(0);
    const s = JSON.parse(io.stdout[0]!) as { rmse: number; rows: number };
    expect(s.rows).toBe(400);
    expect(s.rmse).toBeCloseTo(bestTrial.value!, 4);
    const { model } = decodeModel(best, 'best');
    const row = [38.9, -77.03, 38.91, -77.0, 2017, 5, 3, 14];
    writeFileSync(join(dir, 'one.csv'), `${CSV_HEADER.slice(1).join(',')}\n${row.join(',')}\n`);
    const io2 = memoryIo({ DOJO_TRACKING_URI: tracking.url });
    await predict([], { model: 'models:/fare-job/1', input: join(dir, 'one.csv'), batch: 4 } as never, { io: io2, debug: false });
    expect(Math.fround(Number(io2.stdout[1]))).toBe(forward(model, Float32Array.from(row), 1)[0]);
  }, 120_000);
});
