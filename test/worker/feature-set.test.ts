// Feature stages as trial hyperparameters (issue 10): a study whose space includes missing, bins
// and scale trains every trial through the prep, and each run records the stage params and a
// dojo.feature_set_id tag shared exactly by the trials with the same stages and data.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { TrackingClient } from '../../lib/tracking';
import { runWorker } from '../../runtime/src/worker';
import { startWorkerWorld, type WorkerWorld } from './fixture';

let world: WorkerWorld;
let dir: string;

beforeAll(async () => {
  world = await startWorkerWorld('dojo-worker-fs-', 2000, 2);
  dir = world.dir;
});
afterAll(async () => world?.close());

describe('worker loop with feature stages', () => {
  it('records missing/bins/scale on every run and tags it with a feature set id that groups equal stages', async () => {
    const client = new HpoClient(world.hpoUrl);
    const study = await client.createStudy({
      name: 'loop-features',
      space: {
        missing: { type: 'categorical', choices: ['drop', 'mean'] },
        bins: { type: 'categorical', choices: [0, 64] },
        scale: { type: 'categorical', choices: ['none', 'standard'] },
        batch_size: { type: 'categorical', choices: [128] },
        max_batches: { type: 'int', low: 20, high: 20 },
      },
      sampler: { name: 'grid' },
      pruner: { name: 'none' },
      maxTrials: 8,
      metric: 'val_rmse',
    });
    const summary = await runWorker(
      { ...world.settings, jobId: 'job-fs', studyId: String(study.id), dtype: 'float32' },
      () => undefined,
    );
    expect(summary).toEqual({ trials: 8, complete: 8, pruned: 0, failed: 0 });
    const t = new TrackingClient(world.trackingUrl);
    const ids = new Map<string, string>();
    for (const trial of (await client.getStudy(study.id)).trials) {
      const run = await t.getRun(trial.runId!);
      const param = (k: string) => run.data.params?.find((p) => p.key === k)?.value;
      const stages = `${param('missing')}/${param('bins')}/${param('scale')}`;
      expect(stages).toBe(`${String(trial.params.missing)}/${String(trial.params.bins)}/${String(trial.params.scale)}`);
      const id = run.data.tags?.find((x) => x.key === 'dojo.feature_set_id')?.value;
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      ids.set(stages, id!);
      // Every trial's run names the data it read (MLflow dataset inputs, resolved once per worker).
      const contexts = (run.inputs?.dataset_inputs ?? []).map((i) => `${i.tags?.[0]?.value}:${i.dataset.name}`).sort();
      expect(contexts).toEqual([`training:${join(dir, 'train', 'part-*.csv')}`, `validation:${join(dir, 'val', 'part-*.csv')}`]);
    }
    // 8 distinct stage combinations, 8 distinct ids.
    expect(new Set(ids.values()).size).toBe(8);
  }, 120_000);
});
