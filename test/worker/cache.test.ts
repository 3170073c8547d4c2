// The worker's data kept across trials (issue 20) against a real HPO service and tracking server on
// 127.0.0.1: trials on cached data give the streaming path's results bit for bit, also past the
// memory budget (said once); a file changed between two trials is read again.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { TrackingClient } from '../../lib/tracking';
import { parseHParams, train } from '../../runtime/src/train';
import { runWorker, trialHParams, type WorkerSettings } from '../../runtime/src/worker';
import { startWorkerWorld, type WorkerWorld } from './fixture';

let world: WorkerWorld;
let settings: Omit<WorkerSettings, 'studyId'>;

beforeAll(async () => {
  world = await startWorkerWorld('dojo-worker-cache-', 6000, 3, 5);
  settings = { ...world.settings, jobId: 'job-cache', shardSize: 1000 };
});
afterAll(async () => world?.close());

/** The demo's kinds of trial: every feature set, a few steps each; the random sampler's params do not depend on results. */
const SPACE = {
  lr: { type: 'float', low: 0.005, high: 0.05, log: true },
  batch_size: { type: 'categorical', choices: [64, 200] },
  layers: { type: 'int', low: 1, high: 2 },
  neurons: { type: 'int', low: 4, high: 8 },
  max_batches: { type: 'int', low: 30, high: 40 },
  missing: { type: 'categorical', choices: ['drop', 'mean'] },
  bins: { type: 'categorical', choices: [0, 16] },
};

interface TrialOutcome {
  number: number;
  state: string;
  value?: number;
  params: Record<string, unknown>;
  trainRmse: number[];
}

/** Runs a fresh 8-trial study with one worker; returns each trial's result and the worker's log. */
async function study(name: string, over: Partial<WorkerSettings>): Promise<{ trials: TrialOutcome[]; log: string[] }> {
  const client = new HpoClient(world.hpoUrl);
  const s = await client.createStudy({ name, space: SPACE, sampler: { name: 'random', seed: 7 }, pruner: { name: 'none' }, maxTrials: 8, metric: 'val_rmse' });
  const log: string[] = [];
  const summary = await runWorker({ ...settings, ...over, studyId: String(s.id) }, (l) => log.push(l));
  expect(summary).toMatchObject({ trials: 8, failed: 0 });
  const t = new TrackingClient(world.trackingUrl);
  const trials: TrialOutcome[] = [];
  for (const trial of (await client.getStudy(s.id)).trials) {
    const history = await t.getMetricHistory(trial.runId!, 'train_rmse');
    trials.push({ number: trial.number, state: trial.state, value: trial.value, params: trial.params, trainRmse: history.sort((a, b) => a.step - b.step).map((m) => m.value) });
  }
  return { trials, log };
}

describe('a worker\'s data kept across trials', () => {
  it('gives the streaming path\'s trial results bit for bit; past the budget it streams (said once) with the same results', async () => {
    const streamed = await study('cache-stream', { dataMemoryBytes: 0 });
    const cached = await study('cache-memory', { dataMemoryBytes: 256e6 });
    // Room for the validation rows (and their prepared forms), not for the training rows.
    const tight = await study('cache-tight', { dataMemoryBytes: 300_000 });
    expect(new Set(streamed.trials.map((t) => JSON.stringify([t.params.missing, t.params.bins]))).size).toBeGreaterThan(2);
    expect(cached.trials).toEqual(streamed.trials);
    expect(tight.trials).toEqual(streamed.trials);
    expect(cached.log.some((l) => /data cache: .* of parsed rows kept/.test(l) && !l.startsWith('data cache: 0.0 MB'))).toBe(true);
    const refusals = tight.log.filter((l) => l.includes('does not fit the memory budget'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain(settings.trainGlob);
    expect(cached.log.filter((l) => l.includes('does not fit'))).toEqual([]);
  });

  it('reads a file again when it changed between two trials', async () => {
    const client = new HpoClient(world.hpoUrl);
    const space = { lr: { type: 'categorical', choices: [0.02] }, batch_size: { type: 'categorical', choices: [128] }, max_batches: { type: 'categorical', choices: [30] } };
    const s = await client.createStudy({ name: 'cache-changed', space, sampler: { name: 'random', seed: 1 }, pruner: { name: 'none' }, maxTrials: 2, metric: 'val_rmse' });
    const log: string[] = [];
    const extra = '20.5,38.9,-77.03,38.91,-77.0,2016,5,3,17\n'.repeat(50);
    await runWorker({ ...settings, studyId: String(s.id), dataMemoryBytes: 256e6 }, (l) => {
      log.push(l);
      // Between the trials: the first has told its result, the second is not asked yet.
      if (l.startsWith('[trial 0] time:')) appendFileSync(join(world.dir, 'val', 'part-00000.csv'), extra);
    });
    expect(log.some((l) => l.includes(`data cache: ${settings.valGlob} changed since it was read; reading it again`))).toBe(true);
    const [first, second] = (await client.getStudy(s.id)).trials;
    // The second trial saw the new rows: its value is what streaming the changed data gives.
    const hparams = parseHParams(trialHParams(second!.params), 'test');
    const expected = await train({ hparams, train: settings.trainGlob, val: settings.valGlob, dtype: 'float64', onBadRow: 'fail', shardSize: 1000, evalEvery: 10 });
    expect(second!.value).toBe(expected.val_rmse);
    expect(second!.value).not.toBe(first!.value);
  });
});
