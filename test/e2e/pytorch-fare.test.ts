// examples/pytorch-fare as a command job (issue 14): real PyTorch (Debian's python3-torch, which
// .ci/run installs), a 2-replica trial trained data-parallel over gloo with the MASTER_ADDR,
// MASTER_PORT, RANK and WORLD_SIZE the dojo gives; both ranks end with identical weights and the
// study records the trial's validation RMSE.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo/client';
import { TrackingClient } from '../../lib/tracking';
import { Sandbox, ensureBuilt, keyValues } from './harness';

const PYTHON = '/usr/bin/python3';
const TRAIN = resolve('examples/pytorch-fare/train.py');

describe('examples/pytorch-fare on a local dojo', () => {
  let box: Sandbox;
  beforeAll(() => {
    // Fails (never skips) without PyTorch: CI installs python3-torch.
    execFileSync(PYTHON, ['-c', 'import torch.distributed as d; assert d.is_available()']);
    ensureBuilt();
    box = new Sandbox();
  });
  afterAll(async () => box?.dispose(), 240_000);

  it('trains a 2-replica trial over gloo: identical weights on both ranks, val_rmse recorded by the study', async () => {
    const data = await box.data(2000, 400);
    const dojo = await box.ok(['init', '--max-workers', '2']);
    await box.ok(['activate', dojo]);
    const info = keyValues(await box.ok(['inspect', dojo]));
    const job = await box.ok(['job', 'create', '--dojo', dojo, '--command', `${PYTHON} ${TRAIN}`]);
    const space = box.file('space.json', {
      lr: { type: 'float', low: 0.001, high: 0.01, log: true },
      max_batches: { type: 'categorical', choices: [30] },
      num_hidden_neurons: { type: 'categorical', choices: ['[8, 16]'] },
    });
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '1', '--parallel', '1', '--metric', 'val_rmse', '--seed', '2']);
    await box.ok(['job', 'start', job, '--replicas', '2', '-e', 'KAEN_OSDS_TRAIN_GLOB', data.train, '-e', 'KAEN_OSDS_VAL_GLOB', data.val]);
    await box.ok(['job', 'wait', job, '--interval', '500'], 400_000);

    const logs = await box.ok(['job', 'logs', job, '--trial', '0']);
    const digests = [...logs.matchAll(/\[rank (\d)\] rank (\d)\/2 weights-sha256 ([0-9a-f]{64})/g)].map((m) => ({ replica: m[1], rank: m[2], digest: m[3] }));
    expect(digests.map((d) => d.rank).sort()).toEqual(['0', '1']);
    expect(digests.every((d) => d.replica === d.rank)).toBe(true);
    expect(digests[0]!.digest).toBe(digests[1]!.digest);

    const study = await new HpoClient(info.DOJO_HPO_URI!, { token: info.DOJO_TOKEN }).getStudy(job);
    const trial = study.trials[0]!;
    expect(trial.state).toBe('complete');
    const history = await new TrackingClient(info.DOJO_TRACKING_URI!, { token: info.DOJO_TOKEN }).getMetricHistory(trial.runId!, 'val_rmse');
    const last = history.reduce((a, b) => (b.step >= a.step ? b : a));
    expect(last.step).toBe(30);
    expect(trial.value).toBe(last.value);
    expect(Number.isFinite(trial.value)).toBe(true);
    expect(Object.keys(trial.intermediate).length).toBeGreaterThanOrEqual(5);
    expect(logs).toContain(join('examples', 'pytorch-fare', 'train.py'));
  }, 600_000);
});
