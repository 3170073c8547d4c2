// Command jobs on a local dojo (issue 14): the user's own command as trials, driven by the dojo.
// A standard-library-only Python command reports through MLflow's REST API or the result file;
// a crashing command, one that reports nothing and one that is pruned each end their trial the
// way the contract says, and the study goes on every time. Bad input is one line and exit 2.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo/client';
import type { StudyDetail } from '../../lib/hpo/api';
import { TrackingClient } from '../../lib/tracking';
import { Sandbox, ensureBuilt, keyValues, until } from './harness';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'command-trial.py');
const loss = (x: number): number => (x - 0.3) ** 2;
const tag = (r: { data: { tags?: { key: string; value: string }[] } }, key: string) => r.data.tags?.find((t) => t.key === key)?.value;

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

describe('command jobs on a local dojo', () => {
  let box: Sandbox;
  let dojo: string;
  let hpo: HpoClient;
  let tracking: TrackingClient;
  let space: string;

  beforeAll(async () => {
    ensureBuilt();
    box = new Sandbox();
    dojo = await box.ok(['init', '--max-workers', '4']);
    await box.ok(['activate', dojo]);
    const info = keyValues(await box.ok(['inspect', dojo]));
    hpo = new HpoClient(info.DOJO_HPO_URI!, { token: info.DOJO_TOKEN });
    tracking = new TrackingClient(info.DOJO_TRACKING_URI!, { token: info.DOJO_TOKEN });
    space = box.file('space.json', { x: { type: 'float', low: 0, high: 1 } });
  }, 240_000);
  afterAll(async () => box?.dispose(), 240_000);

  /** Creates, enables and starts a command job of the test script; returns its id once it has ended. */
  async function study(mode: string, runs: number, parallel: number, extra: string[] = [], pruner = 'none'): Promise<{ job: string; study: StudyDetail }> {
    const job = await box.ok(['job', 'create', '--dojo', dojo, '--command', `python3 ${SCRIPT}`, '--workdir', box.home]);
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', String(runs), '--parallel', String(parallel), '--sampler', 'random', '--seed', '5', '--metric', 'loss', '--direction', 'minimize', '--pruner', pruner]);
    await box.ok(['job', 'start', job, '-e', 'CMD_MODE', mode, ...extra]);
    await box.ok(['job', 'wait', job, '--interval', '300'], 300_000);
    return { job, study: await hpo.getStudy(job) };
  }

  function expectRightBest(s: StudyDetail): void {
    const complete = s.trials.filter((t) => t.state === 'complete');
    const best = complete.reduce((a, b) => (loss(Number(a.params.x)) <= loss(Number(b.params.x)) ? a : b));
    expect(s.best).toMatchObject({ number: best.number, params: best.params });
    expect(s.best!.value).toBeCloseTo(loss(Number(best.params.x)), 12);
    for (const t of complete) expect(t.value).toBeCloseTo(loss(Number(t.params.x)), 12);
  }

  it('runs a study of a stdlib-only Python command that logs its metric to MLFLOW_RUN_ID over REST: right best trial and params', async () => {
    const { job, study: s } = await study('mlflow', 4, 2);
    expect(s.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expectRightBest(s);
    // Every intermediate value reached the pruner by step; the run holds the trial's params (the Kaen way).
    for (const t of s.trials) {
      expect(Object.keys(t.intermediate).map(Number).sort()).toEqual([0, 1, 2]);
      const run = await tracking.getRun(t.runId!);
      expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'x', value: String(t.params.x) }]));
      expect(run.info.status).toBe('FINISHED');
    }
    const inspect = keyValues(await box.ok(['job', 'inspect', job]));
    expect(inspect).toMatchObject({ JOB_STATUS: 'completed' });
    const logs = await box.ok(['job', 'logs', job, '--trial', '2']);
    expect(logs).toMatch(/\[trial 2\] \[rank 0\] trial 2 rank 0\/1 x=/);
    expect(logs).not.toMatch(/\[trial 1\]/);
  }, 300_000);

  it('runs the same study through DOJO_RESULT_FILE instead of MLflow (values also logged to the run)', async () => {
    const { study: s } = await study('result', 4, 2);
    expect(s.trials.every((t) => t.state === 'complete')).toBe(true);
    expectRightBest(s);
    const history = await tracking.getMetricHistory(s.trials[0]!.runId!, 'loss');
    expect(history.map((m) => m.step).sort()).toEqual([0, 1, 2]);
  }, 300_000);

  it('a crashing command fails its trial with exit code and stderr tail (job logs and the run); one that reports nothing fails clearly; the study goes on', async () => {
    const { job, study: s } = await study('faulty', 3, 1);
    expect(s.trials.map((t) => t.state)).toEqual(['failed', 'failed', 'complete']);
    const crashed = await tracking.getRun(s.trials[0]!.runId!);
    expect(crashed.info.status).toBe('FAILED');
    expect(tag(crashed, 'dojo.failure_reason')).toBe('replica rank 0 exited with code 3');
    expect(tag(crashed, 'dojo.stderr_tail')).toContain('[rank 0] boom: the command crashed');
    const artifact = new TextDecoder().decode(await tracking.downloadArtifact(crashed, 'dojo/rank-0.stderr.txt'));
    expect(artifact).toBe('loading data\nboom: the command crashed\n');
    const silent = await tracking.getRun(s.trials[1]!.runId!);
    expect(silent.info.status).toBe('FAILED');
    expect(tag(silent, 'dojo.failure_reason')).toBe(
      'the command exited 0 but reported no loss: log it to the run $MLFLOW_RUN_ID or append {"value": x} to $DOJO_RESULT_FILE',
    );
    const logs = await box.ok(['job', 'logs', job, '--trial', '0']);
    expect(logs).toContain('[trial 0] [rank 0 stderr] boom: the command crashed');
    expect(logs).toContain('[trial 0] failed: replica rank 0 exited with code 3; stderr ends:');
    expect(await box.ok(['job', 'logs', job, '--trial', '1'])).toContain('reported no loss');
  }, 300_000);

  it('pruning ends the command\'s whole process group (SIGKILL after the grace period when it ignores SIGTERM), checked by pid; the study goes on', async () => {
    const pidsFile = join(box.home, 'pruned-pids.json');
    const job = await box.ok(['job', 'create', '--dojo', dojo, '--command', `python3 ${SCRIPT}`, '--workdir', box.home]);
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '7', '--parallel', '1', '--sampler', 'random', '--seed', '5', '--metric', 'loss', '--direction', 'minimize', '--pruner', 'median']);
    await box.ok(['job', 'start', job, '-e', 'CMD_MODE', 'prune', '-e', 'PIDS_FILE', pidsFile, '-e', 'DOJO_STOP_GRACE_MS', '2000']);
    const pids = await until('the hanging trial to start', () => (existsSync(pidsFile) ? (JSON.parse(readFileSync(pidsFile, 'utf8')) as number[]) : undefined), 240_000);
    expect(pids).toHaveLength(2);
    // The driver tells `pruned` only once the group is gone: at that moment no pid may be left.
    const pruned = await until('trial 5 to be pruned', async () => {
      const t = (await hpo.getStudy(job)).trials.find((x) => x.number === 5);
      return t?.state === 'pruned' ? t : undefined;
    }, 120_000);
    expect(pids.filter(alive)).toEqual([]);
    const run = await tracking.getRun(pruned.runId!);
    expect(run.info.status).toBe('KILLED');
    expect(tag(run, 'dojo.pruned_at_step')).toBe('0');
    await box.ok(['job', 'wait', job, '--interval', '300'], 300_000);
    const s = await hpo.getStudy(job);
    expect(s.trials).toHaveLength(7);
    expect(s.trials.filter((t) => t.state === 'pruned').length).toBeGreaterThanOrEqual(1);
    const logs = await box.ok(['job', 'logs', job, '--trial', '5']);
    expect(logs).toContain('[trial 5] pruned at step 0 (loss 100); stopping its replicas');
  }, 400_000);

  it('refuses bad input with one line and exit 2', async () => {
    const bad = async (args: string[], line: RegExp) => {
      const r = await box.run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(line);
    };
    await bad(['job', 'create', '--dojo', dojo, '--command', '  '], /--command: empty; give the command every replica runs/);
    await bad(['job', 'create', '--dojo', dojo, '--command', 'python3 x.py', '--workdir', join(box.home, 'nope')], /--workdir .*nope: no such folder/);
    await bad(['job', 'create', '--dojo', dojo, '--workdir', box.home], /--workdir .*: only a command job has a workdir; add --command CMD/);
    const job = await box.ok(['job', 'create', '--dojo', dojo, '--command', 'true']);
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '1', '--metric', 'loss']);
    await bad(['job', 'start', job, '-e', 'DOJO_EVAL_EVERY', '3'], /-e DOJO_EVAL_EVERY: a setting of the built-in worker, which a command job does not run; remove it/);
    await bad(['job', 'start', job, '-e', 'MASTER_PORT', '1234'], /-e MASTER_PORT: dojo sets DOJO_MASTER_PORT for each replica itself; remove it/);
    await bad(['job', 'start', job, '-e', 'RANK', '1'], /-e RANK: dojo sets RANK for each replica itself; remove it/);
  }, 120_000);
});
