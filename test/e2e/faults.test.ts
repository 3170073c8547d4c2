// Faults over real processes: a worker SIGKILLed mid-trial fails exactly that trial and the study
// completes with the rest; a SIGKILLed manager comes back with `dojo activate` and the study
// resumes without losing a completed trial.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { TrackingClient } from '../../lib/tracking';
import { Sandbox, ensureBuilt, keyValues, processesMentioning, tinySpace, until } from './harness';

let box: Sandbox;
let data: { train: string; val: string };
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  data = await box.data(3000, 600);
});
afterAll(async () => box?.dispose());

async function startStudy(numRuns: number, parallel: number, maxBatches: [number, number]) {
  const dojo = await box.ok(['init']);
  await box.ok(['activate', dojo]);
  const job = await box.ok(['job', 'create', '--dojo', dojo]);
  const space = box.file(`space-${job}.json`, { ...tinySpace(maxBatches), batch_size: { type: 'categorical', choices: [256] } });
  await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', String(numRuns), '--parallel', String(parallel), '--pruner', 'none', '--seed', '5']);
  // Everything the test watches is known before the job starts, so that watching begins as soon as
  // `job start` returns (on a loaded machine, each further CLI call can take as long as a trial).
  const info = keyValues(await box.ok(['inspect', dojo]));
  await box.ok(['job', 'start', job, '-e', 'DOJO_TRAIN_GLOB', data.train, '-e', 'DOJO_VAL_GLOB', data.val]);
  // A job's study is named after the job; the service answers to the name as to the id.
  return { dojo, job, study: job, hpo: new HpoClient(info.DOJO_HPO_URI!, { token: info.DOJO_TOKEN }), tracking: new TrackingClient(info.DOJO_TRACKING_URI!, { token: info.DOJO_TOKEN }) };
}

const readJson = <T>(f: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as T;
  } catch {
    return undefined;
  }
};

describe('faults', () => {
  it('a worker killed mid-trial fails that trial (run FAILED with the reason) and the study completes', async () => {
    // Enough trials that the study is still running once startStudy's own CLI calls return, however
    // fast training is: the kill must land mid-study (4 short trials were over before polling began,
    // and 10 were once workers kept their data in memory between trials).
    const total = 24;
    const s = await startStudy(total, 2, [8000, 10000]);
    const pids = join(box.home, s.dojo, 'pids');
    // Wait until worker g0 has trained a little inside a trial, then kill it (the status is read just
    // before the kill, so the trial it names is the one the worker is in).
    // The worker is frozen (SIGSTOP) before its status is trusted: it cannot tell the trial and take
    // the next one between the look and the kill; a trial the service no longer counts as running
    // (told just before the freeze) is not the one to kill in: thaw and look again.
    const status = await until('worker g0 inside a running trial', async () => {
      const st = readJson<{ pid: number; trial: number | null; updatedAt: string }>(join(pids, `${s.job}.g0.r0.status.json`));
      const age = st ? Date.now() - Date.parse(st.updatedAt) : 0;
      if (!st || st.trial === null || age <= 200) return undefined;
      process.kill(st.pid, 'SIGSTOP');
      const frozen = readJson<{ pid: number; trial: number | null; updatedAt: string }>(join(pids, `${s.job}.g0.r0.status.json`));
      const running = frozen?.trial != null && (await s.hpo.getStudy(s.study)).trials.some((t) => t.number === frozen.trial && t.state === 'running');
      if (frozen && running) return frozen;
      process.kill(st.pid, 'SIGCONT');
      return undefined;
    }, 240_000);
    process.kill(status.pid, 'SIGKILL');
    // Killed inside the trial: the worker never cleared its status.
    expect(readJson<{ trial: number | null }>(join(pids, `${s.job}.g0.r0.status.json`))?.trial).toBe(status.trial);
    const wait = await box.run(['job', 'wait', s.job, '--interval', '300'], 480_000);
    expect(wait.code, wait.stdout + wait.stderr).toBe(0);
    const detail = await s.hpo.getStudy(s.study);
    const killed = detail.trials.find((t) => t.number === status.trial)!;
    expect(killed.state).toBe('failed');
    expect(detail.state).toBe('finished');
    expect(detail.trials).toHaveLength(total);
    expect(detail.trials.filter((t) => t.state === 'complete')).toHaveLength(total - 1);
    expect(detail.trials.filter((t) => t.state === 'failed')).toEqual([killed]);
    const run = await s.tracking.getRun(killed.runId!);
    expect(run.info.status).toBe('FAILED');
    expect(run.data.tags?.find((t) => t.key === 'dojo.failure_reason')?.value).toMatch(new RegExp(`worker g0/r0 \\(pid ${status.pid}\\) died during trial ${status.trial}`));
    expect((await box.run(['rm', s.dojo, '--yes'])).code).toBe(0);
  }, 600_000);

  it('a manager killed mid-study comes back with `dojo activate` and the study resumes, no completed trial lost', async () => {
    const total = 12;
    const s = await startStudy(total, 1, [3000, 4000]);
    const before = await until('a completed trial', async () => {
      const d = await s.hpo.getStudy(s.study);
      const done = d.trials.filter((t) => t.state === 'complete');
      return done.length >= 1 && done.length < total ? done : undefined;
    }, 240_000).catch(async (e: Error) => {
      // Say what the study looked like, so that a timeout on a loaded CI machine is diagnosable.
      const d = await s.hpo.getStudy(s.study);
      const states = d.trials.map((t) => `${t.number}:${t.state}`).join(' ');
      const logs = await box.run(['job', 'logs', s.job]);
      throw new Error(`${e.message}; trials: [${states}]; job logs tail:\n${logs.stdout.split('\n').slice(-20).join('\n')}`);
    });
    const manager = readJson<{ pid: number }>(join(box.home, s.dojo, 'pids', 'manager.json'))!;
    process.kill(manager.pid, 'SIGKILL');
    await until('the manager gone', () => (processesMentioning(`manager serve --dir ${join(box.home, s.dojo)}`).length === 0 ? true : undefined), 10_000);
    const inspect = await box.run(['inspect', s.dojo]);
    expect(keyValues(inspect.stdout).DOJO_STATUS).toBe('inactive');
    expect(inspect.stderr).toMatch(/stale pid/);
    const again = keyValues(await box.ok(['activate', s.dojo]));
    expect(again.DOJO_STATUS).toBe('active');
    const wait = await box.run(['job', 'wait', s.job, '--interval', '300'], 480_000);
    expect(wait.code, wait.stdout + wait.stderr).toBe(0);
    const after = await new HpoClient(again.DOJO_HPO_URI!, { token: again.DOJO_TOKEN }).getStudy(s.study);
    for (const t of before) {
      const now = after.trials.find((x) => x.number === t.number)!;
      expect(now.state).toBe('complete');
      expect(now.value).toBe(t.value);
    }
    expect(after.trials).toHaveLength(total);
    expect(after.trials.every((t) => t.state !== 'running')).toBe(true);
    expect(after.state).toBe('finished');
    expect((await box.run(['rm', s.dojo, '--yes'])).code).toBe(0);
  }, 600_000);
});
