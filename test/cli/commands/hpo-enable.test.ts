// `dojo hpo enable` and `dojo job start` refuse a search space the job's kind would refuse, with
// exit 2 and one line naming the file, the key and the value, before any worker starts (here the
// dojo is not even active: reaching the provider would be an UNAVAILABLE error, exit 1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { loadJob, saveJob } from '../../../lib/providers/state';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dojo-hpo-enable-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function dojo(...args: string[]) {
  const io = memoryIo({ DOJO_HOME: home });
  const code = await main(['node', 'dojo', ...args], io);
  return { code, out: io.stdout, err: io.stderr.join('\n') };
}

async function newJob(): Promise<string> {
  const dojoId = (await dojo('init')).out[0]!;
  return (await dojo('job', 'create', '--dojo', dojoId)).out[0]!;
}

function spaceFile(space: unknown): string {
  const f = join(home, 'space.json');
  writeFileSync(f, JSON.stringify(space));
  return f;
}

describe('a study the job kind refuses', () => {
  it('hpo enable refuses lr choices [-1], naming file, key and value, and records nothing', async () => {
    const job = await newJob();
    const f = spaceFile({ lr: { type: 'categorical', choices: [-1] }, layers: { type: 'int', low: 1, high: 2 }, neurons: { type: 'int', low: 4, high: 8 } });
    const r = await dojo('hpo', 'enable', job, '--space', f, '--num-runs', '3');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`dojo: ${f}: space.lr = -1 (choices[0]): hparams.lr: must be > 0`);
    expect(loadJob(home, job).hpo).toBeUndefined();
  });

  it('hpo enable refuses a metric a built-in trial never tells, listing the ones it does', async () => {
    const job = await newJob();
    const f = spaceFile({ lr: { type: 'float', low: 0.001, high: 0.1, log: true } });
    const r = await dojo('hpo', 'enable', job, '--space', f, '--num-runs', '3', '--metric', 'train_steps_per_sec');
    expect(r.code).toBe(2);
    expect(r.err).toBe('dojo: --metric train_steps_per_sec: must be one of val_rmse, train_rmse, train_mse, test_rmse, rows_per_sec, end_to_end_rows_per_sec');
    const ok = await dojo('hpo', 'enable', job, '--space', f, '--num-runs', '3');
    expect(ok.code).toBe(0);
    expect(loadJob(home, job).hpo).toMatchObject({ metric: 'val_rmse', numRuns: 3 });
  });

  it('job start checks the recorded space again (a record from an older dojo) and the metric against the data', async () => {
    const job = await newJob();
    const f = spaceFile({ lr: { type: 'float', low: 0.001, high: 0.1, log: true } });
    expect((await dojo('hpo', 'enable', job, '--space', f, '--num-runs', '3', '--metric', 'test_rmse')).code).toBe(0);
    const data = ['-e', 'DOJO_TRAIN_GLOB', '/nowhere/train/*.csv', '-e', 'DOJO_VAL_GLOB', '/nowhere/val/*.csv'];
    const noTest = await dojo('job', 'start', job, ...data);
    expect(noTest.code).toBe(2);
    expect(noTest.err).toBe('dojo: the study optimises test_rmse, which needs a test set: add -e DOJO_TEST_GLOB GLOB (or optimise val_rmse)');

    const rec = loadJob(home, job);
    saveJob(home, { ...rec, hpo: { ...rec.hpo!, space: { batch_size: { type: 'float', low: 64, high: 512 } } } });
    const r = await dojo('job', 'start', job, ...data, '-e', 'DOJO_TEST_GLOB', '/nowhere/test/*.csv');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^dojo: ${f}: space\\.batch_size = [\\d.]+ \\(a value between low and high\\): hparams\\.batch_size: must be a whole number$`));
    expect(loadJob(home, job).status).toBe('created');
  });
});
