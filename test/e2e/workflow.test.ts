// The book's ch. 12 workflow over real processes: init → activate → job create → hpo enable →
// job start → wait → inspect → the tracking server holds the study → rm leaves nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingClient } from '../../lib/tracking';
import { Sandbox, ensureBuilt, keyValues, processesMentioning, tinySpace } from './harness';

let box: Sandbox;
let data: { train: string; val: string };
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  data = await box.data(3000, 600);
});
afterAll(async () => box?.dispose());

/** Runs one study end to end and checks what tracking holds; returns the dojo id (still active). */
async function study(dojo: string, numRuns: number, parallel: number, replicas: number) {
  const job = await box.ok(['job', 'create', '--dojo', dojo]);
  expect(job).toMatch(/^job-[0-9a-f]{8}$/);
  const space = box.file(`space-${job}.json`, tinySpace());
  await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', String(numRuns), '--parallel', String(parallel), '--seed', '7']);
  await box.ok(['job', 'start', job, '--replicas', String(replicas), '-e', 'KAEN_OSDS_TRAIN_GLOB', data.train, '-e', `DOJO_VAL_GLOB=${data.val}`, '-e', 'DOJO_SHARD_SIZE', '500', '-e', 'DOJO_LOG_EVERY_N_STEPS', '5']);
  const wait = await box.run(['job', 'wait', job, '--interval', '300'], 480_000);
  expect(wait.stderr).toMatch(/trials \d+\/\d+ done/);
  expect(wait.code, wait.stdout + wait.stderr).toBe(0);
  expect(wait.stdout).toMatch(new RegExp(`${job} completed · trials ${numRuns}/${numRuns} done`));
  const ji = keyValues(await box.ok(['job', 'inspect', job]));
  expect(ji.JOB_STATUS).toBe('completed');
  expect(Number(ji.JOB_TRIALS_COMPLETE) + Number(ji.JOB_TRIALS_PRUNED)).toBe(numRuns);
  expect(ji.JOB_WORKERS).toBe('0');
  const noTrial = await box.run(['job', 'logs', job, '--trial', '99']);
  expect(noTrial.code).toBe(2);
  expect(noTrial.stderr.trim()).toBe(`dojo: --trial 99: job ${job} has no such trial (trials 0-${numRuns - 1} so far, of ${numRuns})`);

  const info = keyValues(await box.ok(['inspect', dojo]));
  const tracking = new TrackingClient(info.DOJO_TRACKING_URI!, { token: info.DOJO_TOKEN });
  const exp = await tracking.getExperimentByName(job);
  expect(exp).toBeDefined();
  const runs = await tracking.searchAllRuns({ experimentIds: [exp!.experiment_id] });
  const children = runs.filter((r) => r.data.tags?.some((t) => t.key === 'mlflow.parentRunId'));
  const parents = runs.filter((r) => !r.data.tags?.some((t) => t.key === 'mlflow.parentRunId'));
  expect(parents).toHaveLength(1);
  const parent = parents[0]!;
  expect(parent.info.status).toBe('FINISHED');
  const failed = children.filter((c) => c.info.status === 'FAILED');
  expect(failed, JSON.stringify(failed.map((c) => c.data.tags))).toEqual([]);
  expect(children).toHaveLength(numRuns);
  for (const c of children) {
    expect(c.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value).toBe(parent.info.run_id);
    const params = Object.fromEntries((c.data.params ?? []).map((p) => [p.key, p.value]));
    expect(Object.keys(params)).toEqual(expect.arrayContaining(['lr', 'batch_size', 'layers', 'neurons', 'optimizer', 'max_batches', 'num_hidden_neurons']));
    expect(JSON.parse(params.num_hidden_neurons!)).toHaveLength(Number(params.layers));
    const metrics = new Set((c.data.metrics ?? []).map((m) => m.key));
    expect([...metrics]).toEqual(expect.arrayContaining(['train_rmse', 'val_rmse']));
    const history = await tracking.getMetricHistory(c.info.run_id, 'train_rmse');
    expect(history.length).toBeGreaterThan(1);
  }
  const artifacts = await tracking.listArtifacts(parent.info.run_id, 'report');
  expect(artifacts.some((a) => a.path.endsWith('.html'))).toBe(true);
  expect(artifacts.some((a) => a.path.endsWith('.svg'))).toBe(true);

  const logs = await box.ok(['job', 'logs', job, '--trial', '0']);
  expect(logs.split('\n').every((l) => /^\[g\d+\/r\d+\] .*\[trial 0\]/.test(l))).toBe(true);
  expect(logs).toMatch(/\[trial 0\] (complete|pruned)/);
  return job;
}

describe('dojo workflow over real processes', () => {
  it('runs studies with parallel trials and with replicas, then rm leaves no process and no state', async () => {
    const dojo = await box.ok(['init']);
    expect(dojo).toMatch(/^dojo-[0-9a-f]{8}$/);
    expect(await box.ok(['ls'])).toBe(dojo);
    await box.ok(['activate', dojo]);
    const info = keyValues(await box.ok(['inspect', dojo]));
    expect(info).toMatchObject({ DOJO_ID: dojo, DOJO_PROVIDER: 'local', DOJO_STATUS: 'active', DOJO_MANAGER_IP: '127.0.0.1', DOJO_COST_PER_HOUR: '0.00' });
    expect(info.DOJO_TRACKING_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.DOJO_HPO_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Re-activating an active dojo is a no-op: same manager.
    expect(keyValues(await box.ok(['activate', dojo])).DOJO_ACTIVATED_AT).toBe(info.DOJO_ACTIVATED_AT);

    await study(dojo, 4, 2, 1);
    await study(dojo, 2, 1, 2);

    const dir = join(box.home, dojo);
    expect(processesMentioning(dir).length).toBeGreaterThan(0); // the manager
    const rm = await box.run(['rm', dojo, '--yes']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/nothing remains/);
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(await box.ok(['ls'])).toBe('');
  }, 600_000);
});

describe('dojo demo', () => {
  it('runs the whole workflow, prints the best trial, its val RMSE and the tracking URL, and removes the dojo', async () => {
    const demo = await box.run(['demo', '--rows', '20000', '--trials', '4', '--parallel', '2'], 480_000);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/^best trial: \d+$/m);
    expect(demo.stdout).toMatch(/^best val_rmse: \d+\.\d{4}$/m);
    expect(demo.stdout).toMatch(/^tracking UI: http:\/\/127\.0\.0\.1:\d+\//m);
    // The space searches missing and bins: the best of each feature set tried, one line each.
    expect(demo.stdout).toMatch(/^best val_rmse per feature set:$/m);
    expect(demo.stdout).toMatch(/^ {2}missing=(drop|mean) bins=(0|64|128) +\d+\.\d{4} \(trial \d+, \d+ complete\)$/m);
    expect(demo.stderr).toMatch(/dojo rm dojo-[0-9a-f]{8}: nothing remains/);
    expect(demo.stderr).toMatch(/completed · trials 4\/4 done/);
    expect(await box.ok(['ls'])).toBe('');
    expect(processesMentioning(box.home)).toEqual([]);
  }, 600_000);
});
