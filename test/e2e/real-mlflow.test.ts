// A local dojo whose tracking server is the real MLflow 2.11.3 (`dojo init --tracking-uri`), the
// AWS combination run locally: the dojo's HPO service and workers against MLflow's own server.
// One study end to end, checked in MLflow: parent and child runs, params, metrics, datasets,
// models, the registered best model, predict from it; then the HPO service is killed, its
// database lost, and the study rebuilt from MLflow alone.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../lib/tracking/registry-client';
import { TrackingClient, type Run } from '../../lib/tracking';
import { FEATURE_NAMES } from '../../runtime/src/data/schema';
import { REAL_MLFLOW_MISSING, REAL_MLFLOW_MODE, startRealMlflow, type RealMlflow } from '../tracking/real-mlflow';
import { Sandbox, ensureBuilt, keyValues, tinySpace } from './harness';

const tag = (r: Run, key: string): string | undefined => r.data.tags?.find((t) => t.key === key)?.value;

describe.runIf(REAL_MLFLOW_MODE === 'missing')('a local dojo on the real MLflow', () => {
  it('needs the real MLflow server', () => {
    throw new Error(REAL_MLFLOW_MISSING);
  });
});

describe.runIf(REAL_MLFLOW_MODE === 'run')('a local dojo with --tracking-uri at the real MLflow 2.11.3', () => {
  let mlflow: RealMlflow;
  let box: Sandbox;
  let data: { train: string; val: string };
  beforeAll(async () => {
    ensureBuilt();
    mlflow = await startRealMlflow();
    box = new Sandbox();
    data = await box.data(3000, 600);
  }, 600_000);
  afterAll(async () => {
    await box?.dispose();
    await mlflow?.close();
  }, 180_000);

  it('runs a study into MLflow, registers and predicts from the best model, and rebuilds the study after the HPO service is lost', async () => {
    const dojo = await box.ok(['init', '--tracking-uri', mlflow.url]);
    expect(keyValues(await box.ok(['inspect', dojo]))).toMatchObject({ DOJO_TRACKING_URI: mlflow.url, DOJO_TRACKING_SERVER: 'external', DOJO_STATUS: 'inactive' });
    await box.ok(['activate', dojo]);
    const info = keyValues(await box.ok(['inspect', dojo]));
    expect(info).toMatchObject({ DOJO_TRACKING_URI: mlflow.url, DOJO_TRACKING_SERVER: 'external', DOJO_STATUS: 'active' });
    // No embedded tracking server was started: the manager wrote no tracking port.
    expect(JSON.parse(readFileSync(join(box.home, dojo, 'ports.json'), 'utf8'))).not.toHaveProperty('trackingPort');

    const job = await box.ok(['job', 'create', '--dojo', dojo]);
    const space = box.file(`space-${job}.json`, tinySpace());
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '3', '--parallel', '2', '--seed', '7']);
    await box.ok(['job', 'start', job, '-e', 'DOJO_TRAIN_GLOB', data.train, '-e', 'DOJO_VAL_GLOB', data.val, '-e', 'DOJO_SHARD_SIZE', '500', '-e', 'DOJO_LOG_EVERY_N_STEPS', '5']);
    await box.ok(['job', 'wait', job, '--interval', '300'], 300_000);
    const before = keyValues(await box.ok(['job', 'inspect', job]));
    expect(before).toMatchObject({ JOB_STATUS: 'completed', JOB_TRIALS_TOTAL: '3', JOB_TRACKING_URI: mlflow.url });

    // What MLflow holds: the study as a parent run, a child run per trial.
    const t = new TrackingClient(mlflow.url);
    const exp = await t.getExperimentByName(job);
    expect(exp).toBeDefined();
    const runs = await t.searchAllRuns({ experimentIds: [exp!.experiment_id] });
    let parent = runs.find((r) => tag(r, 'hpo.role') === 'study')!;
    // The study's end (report, best model, registration) follows its last tell: wait for it, bounded.
    for (let i = 0; i < 600 && (parent.info.status !== 'FINISHED' || !tag(parent, 'dojo.registered_model')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      parent = await t.getRun(parent.info.run_id);
    }
    expect(parent.info.status).toBe('FINISHED');
    const children = runs.filter((r) => tag(r, 'mlflow.parentRunId') === parent.info.run_id);
    expect(children).toHaveLength(3);
    for (const c of children) {
      const params = Object.fromEntries((c.data.params ?? []).map((p) => [p.key, p.value]));
      expect(Object.keys(params)).toEqual(expect.arrayContaining(['lr', 'batch_size', 'layers', 'neurons', 'optimizer', 'max_batches', 'num_hidden_neurons']));
      const steps = (await t.getMetricHistory(c.info.run_id, 'train_rmse')).map((m) => m.step).sort((a, b) => a - b);
      const max = Number(params.max_batches);
      // Every 5th step and the last (DOJO_LOG_EVERY_N_STEPS=5), each once, unless pruned earlier.
      expect(steps.at(-1)).toBeLessThanOrEqual(max);
      expect(steps.slice(0, -1).every((s) => s % 5 === 0)).toBe(true);
      expect(new Set(steps).size).toBe(steps.length);
      expect((await t.getRun(c.info.run_id)).inputs?.dataset_inputs?.length).toBeGreaterThanOrEqual(2);
      expect((await t.listArtifacts(c.info.run_id, 'model')).map((f) => f.path).sort()).toEqual(['model/MLmodel', 'model/model.dojo']);
    }
    // The registered best model, its MLmodel naming the parent run, and predict from models:/.
    expect(tag(parent, 'dojo.best_model')).toBe(`runs:/${parent.info.run_id}/best_model`);
    expect(tag(parent, 'dojo.registered_model')).toBe(`models:/${job}/1`);
    const mv = await new RegistryClient(t).getModelVersion(job, '1');
    expect(mv).toMatchObject({ source: `runs:/${parent.info.run_id}/best_model`, run_id: parent.info.run_id });
    expect(new TextDecoder().decode(await t.downloadArtifact(parent, 'best_model/MLmodel'))).toMatch(new RegExp(`^run_id: ${parent.info.run_id}$`, 'm'));
    const input = join(box.home, 'predict.csv');
    writeFileSync(input, `${FEATURE_NAMES.join(',')}\n38.9,-77.03,38.91,-77.0,2017,5,3,14\n`);
    const predicted = await box.ok(['predict', '--model', `models:/${job}/1`, '--input', input, '--tracking', mlflow.url]);
    // A fare from the model (its sign is the tiny study's business, not the plumbing's).
    expect(Number.isFinite(Number(predicted.split('\n')[1]))).toBe(true);

    // The HPO service is killed and its database lost: activate starts it again, and it rebuilds the study from MLflow.
    const manager = JSON.parse(readFileSync(join(box.home, dojo, 'manager.json'), 'utf8')) as { pid: number };
    process.kill(manager.pid, 'SIGKILL');
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(manager.pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        break;
      }
    }
    for (const f of ['hpo.db', 'hpo.db-wal', 'hpo.db-shm']) rmSync(join(box.home, dojo, f), { force: true });
    await box.ok(['activate', dojo]);
    const after = keyValues(await box.ok(['job', 'inspect', job]));
    for (const k of ['JOB_TRIALS_TOTAL', 'JOB_TRIALS_COMPLETE', 'JOB_TRIALS_PRUNED', 'JOB_TRIALS_FAILED', 'JOB_BEST_TRIAL', 'JOB_BEST_VALUE', 'JOB_BEST_PARAMS']) {
      expect(after[k], k).toBe(before[k]);
    }
    expect(after.JOB_STATUS).toBe('completed');
    const rm = await box.run(['rm', dojo, '--yes']);
    expect(rm.code, rm.stderr).toBe(0);
  }, 900_000);
});
