// Feature stages as trial hyperparameters (issue 10): a study whose space includes missing, bins
// and scale trains every trial through the prep, and each run records the stage params and a
// dojo.feature_set_id tag shared exactly by the trials with the same stages and data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService } from '../../lib/hpo/service';
import { TrackingClient, startTrackingServer } from '../../lib/tracking';
import { synthesize } from '../../runtime/src/data';
import { runWorker } from '../../runtime/src/worker';

let dir: string;
let tracking: { url: string; close(): Promise<void> | void };
let hpo: { url: string; close(): Promise<void> | void };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-worker-fs-'));
  await synthesize({ rows: 2000, parts: 2, out: join(dir, 'train'), seed: 1 });
  await synthesize({ rows: 400, parts: 1, out: join(dir, 'val'), seed: 2 });
  tracking = await startTrackingServer({ storeDir: join(dir, 'tracking'), host: '127.0.0.1', port: 0 });
  hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), host: '127.0.0.1', port: 0, trackingUri: tracking.url, log: () => undefined });
});
afterAll(async () => {
  await hpo?.close();
  await tracking?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('worker loop with feature stages', () => {
  it('records missing/bins/scale on every run and tags it with a feature set id that groups equal stages', async () => {
    const client = new HpoClient(hpo.url);
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
      {
        trackingUri: tracking.url, hpoUri: hpo.url, jobId: 'job-fs', studyId: String(study.id), replicas: 1, group: '0',
        trainGlob: join(dir, 'train', 'part-*.csv'), valGlob: join(dir, 'val', 'part-*.csv'), metric: 'val_rmse', dtype: 'float32', onBadRow: 'fail',
        evalEvery: 10, rendezvousTimeoutMs: 20_000, lostTimeoutMs: 10_000, patienceMs: 5_000, maxConsecutiveFailures: 3,
      },
      () => undefined,
    );
    expect(summary).toEqual({ trials: 8, complete: 8, pruned: 0, failed: 0 });
    const t = new TrackingClient(tracking.url);
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
