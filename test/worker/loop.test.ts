// The worker loop against a real HPO service and tracking server on 127.0.0.1 (in this process):
// trials are asked, trained, logged and told; trials with bad hyperparameters fail with their
// reason (the worker goes on, and stops after too many failures in a row); two replicas of one
// group train each trial together.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { TrackingClient } from '../../lib/tracking';
import { runWorker, type WorkerSettings } from '../../runtime/src/worker';
import { startWorkerWorld, type WorkerWorld } from './fixture';

let world: WorkerWorld;
let settings: Omit<WorkerSettings, 'studyId' | 'replicas' | 'group'>;
let hpo: { url: string };
let tracking: { url: string };

beforeAll(async () => {
  world = await startWorkerWorld('dojo-worker-', 2000, 2);
  settings = world.settings;
  hpo = { url: world.hpoUrl };
  tracking = { url: world.trackingUrl };
});
afterAll(async () => world?.close());

const logs: string[] = [];
const log = (l: string) => logs.push(l);

describe('worker loop', () => {
  it('runs every trial of a study: metrics, derived params and the final value reach tracking', async () => {
    const client = new HpoClient(hpo.url);
    const study = await client.createStudy({
      name: 'loop-solo',
      space: { lr: { type: 'float', low: 0.005, high: 0.05, log: true }, layers: { type: 'int', low: 1, high: 2 }, neurons: { type: 'int', low: 4, high: 8 }, batch_size: { type: 'categorical', choices: [64] }, max_batches: { type: 'int', low: 30, high: 30 } },
      sampler: { name: 'random', seed: 1 },
      pruner: { name: 'none' },
      maxTrials: 3,
      metric: 'val_rmse',
    });
    const summary = await runWorker({ ...settings, studyId: String(study.id), replicas: 1, group: '0', logEveryNSteps: 7 }, log);
    expect(summary).toEqual({ trials: 3, complete: 3, pruned: 0, failed: 0 });
    const detail = await client.getStudy(study.id);
    expect(detail.state).toBe('finished');
    const t = new TrackingClient(tracking.url);
    for (const trial of detail.trials) {
      expect(trial.state).toBe('complete');
      const run = await t.getRun(trial.runId!);
      expect(run.info.status).toBe('FINISHED');
      expect(run.data.metrics?.find((m) => m.key === 'val_rmse')?.value).toBeCloseTo(trial.value!, 9);
      expect(run.data.params?.find((p) => p.key === 'num_hidden_neurons')?.value).toBe(JSON.stringify(Array(trial.params.layers).fill(trial.params.neurons)));
      // The logging policy: every 7th step and the last one (DOJO_LOG_EVERY_N_STEPS=7).
      expect((await t.getMetricHistory(trial.runId!, 'train_rmse')).map((m) => m.step)).toEqual([7, 14, 21, 28, 30]);
      expect((await t.getMetricHistory(trial.runId!, 'val_rmse')).map((m) => m.step)).toEqual([10, 20, 30]);
    }
  });

  it('fails trials with bad hyperparameters, marks their runs FAILED with the reason, and stops after too many in a row', async () => {
    const client = new HpoClient(hpo.url);
    const study = await client.createStudy({
      name: 'loop-bad',
      space: { lr: { type: 'categorical', choices: [-1] } },
      sampler: { name: 'random' },
      maxTrials: 5,
    });
    const summary = await runWorker({ ...settings, studyId: String(study.id), replicas: 1, group: '0' }, log);
    expect(summary).toEqual({ trials: 3, complete: 0, pruned: 0, failed: 3 });
    const detail = await client.getStudy(study.id);
    expect(detail.trials.map((x) => x.state)).toEqual(['failed', 'failed', 'failed']);
    for (const trial of detail.trials) {
      const run = await new TrackingClient(tracking.url).getRun(trial.runId!);
      expect(run.info.status).toBe('FAILED');
      expect(run.data.tags?.find((x) => x.key === 'dojo.failure_reason')?.value).toBe(`trial ${trial.number}: hparams.lr: must be > 0`);
    }
    expect(logs).toContain('[trial 0] failed: trial 0: hparams.lr: must be > 0');
    expect(logs.some((l) => /3 trials failed in a row; this worker stops/.test(l))).toBe(true);
  });

  it('trains each trial with two replicas of one group, rank 0 reporting', async () => {
    const client = new HpoClient(hpo.url);
    const study = await client.createStudy({
      name: 'loop-replicas',
      space: { lr: { type: 'float', low: 0.005, high: 0.05, log: true }, batch_size: { type: 'categorical', choices: [64] }, max_batches: { type: 'int', low: 20, high: 20 } },
      sampler: { name: 'random', seed: 3 },
      pruner: { name: 'none' },
      maxTrials: 2,
      metric: 'val_rmse',
    });
    const s = { ...settings, studyId: String(study.id), replicas: 2, group: '0', jobId: 'job-rep', shardSize: 250 };
    const [a, b] = await Promise.all([runWorker(s, log), runWorker(s, log)]);
    expect(a).toEqual({ trials: 2, complete: 2, pruned: 0, failed: 0 });
    expect(b).toEqual(a);
    const detail = await client.getStudy(study.id);
    expect(detail.trials.map((t) => t.state)).toEqual(['complete', 'complete']);
    expect(logs.filter((l) => /rank 1\/2/.test(l))).toHaveLength(2);
  });
});
