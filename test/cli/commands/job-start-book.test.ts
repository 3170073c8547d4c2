// `dojo job start` with the book's -e variables (ch. 12): KAEN_HPO_JOB_RUNS is the study's trial
// count, the AWS credentials the book passes are never written into the job record, and the
// KAEN_OSDS_*_GLOB names are the data globs. The dojo is not active here: what these checks do
// happens before the provider is asked to start anything (which then fails, exit 1).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { loadJob } from '../../../lib/providers/state';
import { envPairsAndJob } from '../../../lib/cli/commands/job-start/env-pairs';

let home: string;
let data: string[];
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dojo-start-book-'));
  mkdirSync(join(home, 'csv'));
  writeFileSync(join(home, 'csv', 'part-1.csv'), 'fare,a,b,c,d,e,f,g,h\n');
  const glob = join(home, 'csv', 'part*.csv');
  data = ['-e', 'KAEN_OSDS_TRAIN_GLOB', glob, '-e', 'KAEN_OSDS_VAL_GLOB', glob, '-e', 'KAEN_OSDS_TEST_GLOB', glob];
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function dojo(env: NodeJS.ProcessEnv, ...args: string[]) {
  const io = memoryIo({ DOJO_HOME: home, ...env });
  const code = await main(['node', 'dojo', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

async function newJob(runs?: number): Promise<{ dojoId: string; job: string }> {
  const dojoId = (await dojo({}, 'dojo', 'init')).out[0]!;
  const job = (await dojo({}, 'job', 'create', '--dojo', dojoId)).out[0]!;
  if (runs !== undefined) expect((await dojo({}, 'hpo', 'enable', '--num-runs', String(runs), job)).code).toBe(0);
  return { dojoId, job };
}

describe('the job id after the -e pairs (the book writes it last; commander hands it to -e)', () => {
  it('is the one word no pair claims', () => {
    expect(envPairsAndJob(['A', '1', 'B=2', 'job-1'], undefined)).toEqual({ pairs: [['A', '1'], ['B', '2']], job: 'job-1' });
    expect(envPairsAndJob(['A', '1'], 'job-1')).toEqual({ pairs: [['A', '1']], job: 'job-1' });
    const missing = 'missing the job id: dojo job start [options] JOB (first, or last after the -e KEY VALUE pairs)';
    expect(() => envPairsAndJob(['A', '1'], undefined)).toThrow(missing);
    expect(() => envPairsAndJob(['A', 'job-1'], undefined)).toThrow(missing);
    expect(() => envPairsAndJob(['A=1', 'B=2'], undefined)).toThrow(missing);
    expect(() => envPairsAndJob([], undefined)).toThrow('missing the job id: dojo job start [options] JOB');
    expect(() => envPairsAndJob(['A', '1', 'B=2', 'job-1'], 'job-2')).toThrow('-e job-1: expected KEY VALUE or KEY=VALUE');
  });
});

describe("dojo job start with the book's -e variables", () => {
  it('makes -e KAEN_HPO_JOB_RUNS N the study\'s trial count, saying so when it changes --num-runs', async () => {
    const { job } = await newJob(1);
    const same = await dojo({}, 'job', 'start', '--replicas', '1', '-e', 'KAEN_HPO_JOB_RUNS', '1', ...data, job);
    expect(same.err.join('\n')).not.toContain('note: -e KAEN_HPO_JOB_RUNS');
    expect(loadJob(home, job).hpo?.numRuns).toBe(1);
    const r = await dojo({}, 'job', 'start', '-e', 'KAEN_HPO_JOB_RUNS', '3', ...data, job);
    expect(r.err).toContain('note: -e KAEN_HPO_JOB_RUNS 3: the study runs 3 trial(s) (hpo enable said --num-runs 1)');
    expect(loadJob(home, job).hpo?.numRuns).toBe(3);
    // the dojo is not active: starting fails after the checks, as a failure (exit 1) naming the dojo
    expect(r.code).toBe(1);
  });

  it('refuses KAEN_HPO_JOB_RUNS that is not a count, or for a job without a study (exit 2, one line)', async () => {
    const { job } = await newJob();
    const none = await dojo({}, 'job', 'start', '-e', 'KAEN_HPO_JOB_RUNS', '1', ...data, job);
    expect(none.code).toBe(2);
    expect(none.err).toEqual([`dojo: -e KAEN_HPO_JOB_RUNS: job ${job} has no study to run 1 trial(s) of; run \`dojo hpo enable ${job} --num-runs 1\` first`]);
    const bad = await dojo({}, 'job', 'start', '-e', 'KAEN_HPO_JOB_RUNS', 'all', ...data, job);
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual(['dojo: -e KAEN_HPO_JOB_RUNS all: must be a whole number of trials from 1 to 100000']);
  });

  // (that the record of a started job holds no credential is checked in test/e2e/chapter12.test.ts)
  it('takes the AWS credentials out of the job environment, and refuses one that differs from the environment', async () => {
    const { job } = await newJob(1);
    const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'sekrit-value' };
    const creds = ['-e', 'AWS_DEFAULT_REGION', 'us-east-2', '-e', 'AWS_ACCESS_KEY_ID', 'AKIAEXAMPLE', '-e', 'AWS_SECRET_ACCESS_KEY', 'sekrit-value'];
    const r = await dojo(env, 'job', 'start', '--replicas', '1', ...creds, ...data, job);
    expect(r.err).toContain("note: -e AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: not recorded with the job; the workers inherit this environment's value (local) or use the dojo's task role (aws)");
    const other = await dojo(env, 'job', 'start', '-e', 'AWS_SECRET_ACCESS_KEY', 'another', ...data, job);
    expect(other.code).toBe(2);
    expect(other.err).toEqual([
      "dojo: -e AWS_SECRET_ACCESS_KEY: dojo does not write credentials into the job; export AWS_SECRET_ACCESS_KEY in the shell that runs `dojo job start` (local workers inherit it; AWS workers use the dojo's task role) and leave out -e AWS_SECRET_ACCESS_KEY",
    ]);
  });
});
