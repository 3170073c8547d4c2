// The workers of a local dojo's jobs: detached processes of this CLI, started, counted and ended;
// and failing the trials of workers that died (so a killed worker's trial ends failed, not
// forgotten). The job records themselves are the shared code's (../base.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DojoError } from '../../errors';
import { WORKER_ENV } from '../../jobs/env';
import type { JobRecord, ProgressFn } from '../provider';
import { dojoDir, listJobRecords, readJson, writeJsonAtomic } from '../state';
import type { StudyView } from '../jobs/progress';
import type { WorkerLaunch } from '../jobs/workers';
import { managerState, healthy } from './control';
import { layout, workerLogFile, workerPidsFile, workerStatusFile, type DojoLayout, type ManagerInfo, type WorkerProc, type WorkerStatus } from './layout';
import { isOurs, spawnDetached, terminate, type CliCommand } from './process';
import { endGroups } from './replicas';

/** The manager of a dojo, or an UNAVAILABLE error saying how to start it. */
export async function requireManager(home: string, dojoId: string): Promise<ManagerInfo> {
  const s = managerState(layout(dojoDir(home, dojoId)));
  if (!s.alive || !s.info || !(await healthy(s.info, 5000))) {
    throw new DojoError('UNAVAILABLE', `dojo ${dojoId} is not active; run \`dojo activate ${dojoId}\` first`);
  }
  return s.info;
}

/** The worker processes recorded for a job. */
export function jobWorkers(l: DojoLayout, jobId: string): WorkerProc[] {
  return readJson<WorkerProc[]>(workerPidsFile(l, jobId)) ?? [];
}

/**
 * Starts the job's workers as detached processes of this CLI, each with its worker environment
 * and a status file of its own, recording every pid as soon as it exists.
 */
export function launchLocalWorkers(l: DojoLayout, job: JobRecord, workers: readonly WorkerLaunch[], cli: CliCommand, baseEnv: NodeJS.ProcessEnv, progress: ProgressFn): void {
  mkdirSync(l.logs, { recursive: true });
  mkdirSync(l.pids, { recursive: true });
  const procs: WorkerProc[] = [];
  for (const w of workers) {
    const statusFile = workerStatusFile(l, job.id, w.group, w.replica);
    rmSync(statusFile, { force: true });
    const log = workerLogFile(l, job.id, w.group, w.replica);
    const args = [...w.args, '--dir', l.dir];
    const pid = spawnDetached(cli, args, log, { ...baseEnv, ...w.env, [WORKER_ENV.statusFile]: statusFile });
    procs.push({ pid, marker: args.join(' '), startedAt: new Date().toISOString(), group: w.group, replica: w.replica, log, statusFile });
    // Recorded after every spawn so that a crash here still leaves every started pid findable.
    writeJsonAtomic(workerPidsFile(l, job.id), procs);
  }
  progress(`started ${procs.length} worker process(es) for ${job.id}`);
}

/**
 * Fails the trials that dead workers were running: their run is marked FAILED with the reason, the
 * HPO service is told `fail`. Returns how many workers are still alive.
 */
export async function reapWorkers(l: DojoLayout, job: JobRecord, manager: ManagerInfo, endedBy?: string): Promise<number> {
  const procs = jobWorkers(l, job.id);
  let alive = 0;
  const dead: { proc: WorkerProc; status: WorkerStatus }[] = [];
  for (const p of procs) {
    if (isOurs(p)) {
      alive++;
      continue;
    }
    const status = readJson<WorkerStatus>(p.statusFile);
    if (status && status.pid === p.pid) await endOrphanedReplicas(status);
    if (status && status.trial !== null && status.pid === p.pid) dead.push({ proc: p, status });
  }
  // With no worker left, a trial still running has nobody to finish it (one handed out as its worker
  // was killed, before the worker could name it in its status): failed below rather than left running.
  if ((dead.length === 0 && (alive > 0 || procs.length === 0)) || !job.run) return alive;
  const { HpoClient } = await import('../../hpo/client');
  const client = new HpoClient(manager.hpoUri, { token: manager.token });
  const study: StudyView = await client.getStudy(job.run.studyId);
  const named = new Set(dead.map((d) => d.status.trial));
  if (alive === 0) {
    for (const trial of study.trials.filter((t) => t.state === 'running' && !named.has(t.number))) {
      const reason = `${endedBy ? `${endedBy}: ` : ''}no worker of ${job.id} is left to finish trial ${trial.number} (its worker ended without telling it)`;
      await markRunFailed(manager.trackingUri, trial.runId, reason, manager.trackingExternal ? undefined : manager.token);
      await client.tell(job.run.studyId, trial.number, 'fail').catch(() => undefined);
    }
  }
  for (const { proc, status } of dead) {
    const trial = study.trials.find((t) => t.number === status.trial);
    if (trial && trial.state === 'running') {
      const who = `worker g${proc.group}/r${proc.replica} (pid ${proc.pid})`;
      const reason = endedBy ? `${endedBy}: ${who} was ended during trial ${trial.number}` : `${who} died during trial ${trial.number}`;
      await markRunFailed(manager.trackingUri, status.runId ?? trial.runId, reason, manager.trackingExternal ? undefined : manager.token);
      try {
        await client.tell(job.run.studyId, trial.number, 'fail');
      } catch {
        // Another reaper (or the service's heartbeat) was first.
      }
    }
    writeJsonAtomic(proc.statusFile, { ...status, trial: null, updatedAt: new Date().toISOString() });
  }
  return alive;
}

// A command job's driver that died leaves its trial's replica process groups: they are ended with it.
async function endOrphanedReplicas(status: WorkerStatus): Promise<void> {
  if (!status.replicaMarker || !status.replicaGroups || status.replicaGroups.length === 0) return;
  const marker = status.replicaMarker;
  await endGroups(status.replicaGroups.map((pgid) => ({ pgid, marker })), 1000);
}

/** Fails the trials of dead workers of every running job of the dojo in dir (the manager calls this). */
export async function reapDojo(dir: string, manager: ManagerInfo): Promise<void> {
  const l = layout(dir);
  // A dojo's folder is $DOJO_HOME/<id>.
  for (const job of listJobRecords(dirname(dir), basename(dir))) {
    if (job.status === 'running' && job.run) await reapWorkers(l, job, manager);
  }
}

/** Marks a tracking run FAILED with the reason as the tag dojo.failure_reason. */
export async function markRunFailed(trackingUri: string, runId: string | undefined, reason: string, token?: string): Promise<void> {
  if (!runId) return;
  const { TrackingClient } = await import('../../tracking');
  const t = new TrackingClient(trackingUri, token ? { token } : {});
  try {
    await t.setTag(runId, 'dojo.failure_reason', reason);
    await t.updateRun(runId, { status: 'FAILED', endTime: Date.now() });
  } catch {
    // The run may be gone with its study; the HPO tell below still records the failure.
  }
}

/** Ends a job's workers (only ours), then fails the trials they were running (reason: who ended them) when the manager answers. */
export async function endLocalWorkers(l: DojoLayout, job: JobRecord, progress: ProgressFn, reason?: string): Promise<void> {
  const procs = jobWorkers(l, job.id);
  const live = procs.filter(isOurs);
  if (live.length > 0) progress(`stopping ${live.length} worker process(es) of ${job.id}`);
  const left = await terminate(procs);
  if (left.length > 0) throw new DojoError('LOST', `could not end worker pid(s) ${left.join(', ')} of ${job.id}`);
  const m = managerState(l);
  if (job.run && m.info && (await healthy(m.info))) await reapWorkers(l, job, m.info, reason);
}
