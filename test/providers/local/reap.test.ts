// The local provider's reaper against a real HPO service and tracking server (in this process) and
// real processes: a dead worker's trial (named in its status file) is failed with who died; a trial
// still running that no status names (handed out as its worker was killed) is failed once no worker
// of the job is left, and not before (a live worker may be about to name it).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../../lib/hpo';
import { startHpoService } from '../../../lib/hpo/service';
import { reapWorkers } from '../../../lib/providers/local/jobs';
import { layout, workerPidsFile, workerStatusFile, type ManagerInfo, type WorkerProc } from '../../../lib/providers/local/layout';
import type { JobRecord } from '../../../lib/providers/provider';
import { TrackingClient, startTrackingServer } from '../../../lib/tracking';

let dir: string;
let servers: { close(): Promise<void> }[] = [];
let manager: ManagerInfo;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-reap-'));
  const tracking = await startTrackingServer({ storeDir: join(dir, 'tracking'), host: '127.0.0.1', port: 0 });
  const hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), host: '127.0.0.1', port: 0, trackingUri: tracking.url, log: () => undefined });
  servers = [hpo, tracking];
  manager = { pid: process.pid, trackingUri: tracking.url, hpoUri: hpo.url, trackingPort: 0, hpoPort: 0, startedAt: new Date().toISOString() };
});
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A process whose command line carries the marker; `exited` once it is gone. */
function proc(marker: string, lifeMs: number): { pid: number; exited: Promise<void> } {
  const p = spawn(process.execPath, ['-e', `setTimeout(() => {}, ${lifeMs})`, marker], { stdio: 'ignore' });
  return { pid: p.pid!, exited: new Promise((r) => p.once('exit', () => r())) };
}

describe('reapWorkers', () => {
  it('fails the trial a dead worker names; a running trial nobody names only once no worker is left', async () => {
    const hpo = new HpoClient(manager.hpoUri);
    const study = await hpo.createStudy({ name: 'job-reap', space: { x: { type: 'float', low: 0, high: 1 } }, sampler: { name: 'random', seed: 1 }, pruner: { name: 'none' }, maxTrials: 4, metric: 'val_rmse' });
    const [a, b] = [(await hpo.ask(study.id))!, (await hpo.ask(study.id))!];
    const l = layout(join(dir, 'dojo'));
    mkdirSync(l.pids, { recursive: true });
    const job: JobRecord = { id: 'job-reap', dojoId: 'dojo', image: '-', createdAt: new Date().toISOString(), status: 'running', run: { startedAt: new Date().toISOString(), replicas: 1, parallel: 2, env: {}, studyId: String(study.id) } };
    const marker = 'worker run --job job-reap --group';
    const dead = proc(`${marker} 0`, 0);
    await dead.exited;
    const live = proc(`${marker} 1`, 120_000);
    const rec = (pid: number, group: number): WorkerProc => ({ pid, marker: `${marker} ${group}`, startedAt: new Date().toISOString(), group, replica: 0, log: join(dir, `w${group}.log`), statusFile: workerStatusFile(l, job.id, group, 0) });
    writeFileSync(workerPidsFile(l, job.id), JSON.stringify([rec(dead.pid, 0), rec(live.pid, 1)]));
    // Worker g0 died in trial a; trial b was handed out to g1, which has not named it yet.
    writeFileSync(workerStatusFile(l, job.id, 0, 0), JSON.stringify({ pid: dead.pid, trial: a.number, runId: a.runId, updatedAt: new Date().toISOString() }));
    writeFileSync(workerStatusFile(l, job.id, 1, 0), JSON.stringify({ pid: live.pid, trial: null, updatedAt: new Date().toISOString() }));

    expect(await reapWorkers(l, job, manager)).toBe(1);
    const states = async () => Object.fromEntries((await hpo.getStudy(study.id)).trials.map((t) => [t.number, t.state]));
    expect(await states()).toEqual({ [a.number]: 'failed', [b.number]: 'running' });
    const t = new TrackingClient(manager.trackingUri);
    const reason = async (runId: string | undefined) => (await t.getRun(runId!)).data.tags?.find((x) => x.key === 'dojo.failure_reason')?.value;
    expect(await reason(a.runId)).toBe(`worker g0/r0 (pid ${dead.pid}) died during trial ${a.number}`);

    process.kill(live.pid, 'SIGKILL');
    await live.exited;
    expect(await reapWorkers(l, job, manager)).toBe(0);
    expect(await states()).toEqual({ [a.number]: 'failed', [b.number]: 'failed' });
    expect(await reason(b.runId)).toBe(`no worker of job-reap is left to finish trial ${b.number} (its worker ended without telling it)`);
    expect((await t.getRun(b.runId!)).info.status).toBe('FAILED');
  }, 60_000);
});
