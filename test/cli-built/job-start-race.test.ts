// Two `dojo job start`s of one job at the same moment (two processes of the built CLI): one wins,
// the other exits with one CONFLICT line, and exactly the winner's workers run — every one of them
// recorded, so `dojo rm` ends them all.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, ensureBuilt, processesMentioning, tinySpace } from '../e2e/harness';

let box: Sandbox;
let dojo: string;
let data: { train: string; val: string };
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  data = await box.data(2000, 400);
  dojo = await box.ok(['init', '--max-workers', '4']);
  await box.ok(['activate', dojo]);
});
afterAll(async () => box?.dispose());

describe('two concurrent `job start`s of one job', () => {
  it('leave exactly one set of workers; the loser says CONFLICT and exits 1', async () => {
    const job = await box.ok(['job', 'create', '--dojo', dojo]);
    // Far more trials than can end before the checks below, however fast training is (40 trials of
    // this space were once all done before `job inspect` on a loaded machine): rm ends the workers.
    const space = box.file('space.json', tinySpace([400, 800]));
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '5000', '--parallel', '2']);
    const start = ['job', 'start', job, '-e', 'DOJO_TRAIN_GLOB', data.train, '-e', 'DOJO_VAL_GLOB', data.val];
    const [a, b] = await Promise.all([box.run(start), box.run(start)]);
    const codes = [a.code, b.code].sort();
    expect(codes, a.stderr + b.stderr).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    const line = loser.stderr.trim().split('\n').pop() ?? '';
    expect(line).toMatch(new RegExp(`^dojo: job ${job} (is being started by another \`dojo job start\`|was started already)`));

    const recorded = (JSON.parse(readFileSync(join(box.home, dojo, 'pids', `${job}.json`), 'utf8')) as { pid: number }[]).map((p) => p.pid);
    expect(recorded).toHaveLength(2);
    const running = processesMentioning(`worker run --job ${job}`);
    expect(running.sort()).toEqual([...recorded].sort());
    expect(JSON.parse(await box.ok(['job', 'inspect', job, '--json'])).status).toBe('running');
    // No lock or temp file is left beside the job record.
    expect(readdirSync(join(box.home, dojo, 'jobs'))).toEqual([`${job}.json`]);

    const rm = await box.run(['rm', dojo, '--yes']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(processesMentioning(`worker run --job ${job}`)).toEqual([]);
  });
});
