// A local `job start` that fails midway (a worker cannot be spawned) ends the workers it started and
// leaves the job `created`: the retry starts it, `job stop` stops it. Real processes, tiny data.
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HpoSettings } from '../../../lib/providers/provider';
import { LocalProvider } from '../../../lib/providers/local/provider';
import { loadJob } from '../../../lib/providers/state';
import { CLI, Sandbox, ensureBuilt, processesMentioning, tinySpace, until } from '../../e2e/harness';

let box: Sandbox;
let provider: LocalProvider;
let dojo: string;
let env: Record<string, string>;
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  provider = new LocalProvider({ home: box.home, cli: { command: process.execPath, args: [CLI] } });
  const data = await box.data(2000, 400);
  env = { DOJO_TRAIN_GLOB: data.train, DOJO_VAL_GLOB: data.val };
  dojo = (await provider.init({ maxWorkers: 4 })).id;
  await provider.activate(dojo);
});
afterAll(async () => box?.dispose());

const settings: HpoSettings = {
  space: tinySpace([400, 800]) as HpoSettings['space'],
  spaceFile: 'space.json',
  numRuns: 40,
  parallel: 2,
  sampler: 'random',
  pruner: 'none',
  metric: 'val_rmse',
  direction: 'minimize',
};

describe('a failed local job start', () => {
  it('ends the worker it started, leaves the job created; the retry runs both workers; stop ends them', async () => {
    const job = (await provider.createJob(dojo, {})).id;
    await provider.enableHpo(job, settings);
    // The second worker's log file cannot be opened: its spawn fails after the first worker runs.
    const blocker = join(box.home, dojo, 'logs', `${job}.g1.r0.log`);
    mkdirSync(blocker, { recursive: true });
    const progress: string[] = [];
    await expect(provider.startJob(job, { replicas: 1, env }, (m) => progress.push(m))).rejects.toThrow(blocker);
    expect(progress.join('\n')).toContain('the start failed and was undone');
    const undone = loadJob(box.home, job);
    expect(undone.status).toBe('created');
    expect(undone.run).toBeUndefined();
    expect(processesMentioning(`worker run --job ${job}`)).toEqual([]);

    rmdirSync(blocker);
    const started = await provider.startJob(job, { replicas: 1, env });
    expect(started.status).toBe('running');
    await until('both workers', () => (processesMentioning(`worker run --job ${job}`).length === 2 ? true : undefined));
    expect((await provider.stopJob(job)).status).toBe('stopped');
    expect(processesMentioning(`worker run --job ${job}`)).toEqual([]);
  });
});
