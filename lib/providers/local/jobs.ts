// Jobs of a local dojo: records, starting P×R detached worker processes, progress, stopping, and
// failing the trials of workers that died (so a killed worker's trial ends failed, not forgotten).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DojoError } from '../../errors';
import type { DojoConfig, HpoSettings, JobInfo, JobProgress, JobRecord, ProgressFn, StartJobOptions } from '../provider';
import { jobStudySpec, startableHpo, startedRun, studyCreatedMessage } from '../job-start';
import { dojoDir, readJson, saveJob, writeJsonAtomic } from '../state';
import { progressOf, isTerminal, type StudyView } from '../study-view';
import { managerState, healthy } from './control';
import { layout, workerLogFile, workerPidsFile, workerStatusFile, type DojoLayout, type ManagerInfo, type WorkerProc, type WorkerStatus } from './layout';
import { isOurs, spawnDetached, terminate, type CliCommand } from './process';

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

/** The marker of a worker's command line. */
export function workerMarker(l: DojoLayout, jobId: string, group: number, replica: number): string {
  return `worker run --dir ${l.dir} --job ${jobId} --group ${group} --replica ${replica}`;
}

/** Creates the study for the job and starts parallel × replicas workers. */
export async function startLocalJob(
  home: string,
  cfg: DojoConfig,
  job: JobRecord,
  options: StartJobOptions,
  cli: CliCommand,
  progress: ProgressFn,
): Promise<JobRecord> {
  const hpo = startableHpo(job, cfg, options);
  const manager = await requireManager(home, cfg.id);
  const { HpoClient } = await import('../../hpo/client');
  const client = new HpoClient(manager.hpoUri, { token: manager.token });
  const study = await client.createStudy(jobStudySpec(job.id, hpo));
  const studyId = String(study.id);
  progress(studyCreatedMessage(studyId, hpo, options));
  const started: JobRecord = { ...job, status: 'running', run: startedRun(hpo, options, studyId, study.parentRunId) };
  saveJob(home, started);
  const l = layout(dojoDir(home, cfg.id));
  mkdirSync(l.logs, { recursive: true });
  mkdirSync(l.pids, { recursive: true });
  const procs: WorkerProc[] = [];
  for (let g = 0; g < hpo.parallel; g++) {
    for (let r = 0; r < options.replicas; r++) {
      const statusFile = workerStatusFile(l, job.id, g, r);
      rmSync(statusFile, { force: true });
      const log = workerLogFile(l, job.id, g, r);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        DOJO_TRACKING_URI: manager.trackingUri,
        DOJO_HPO_URI: manager.hpoUri,
        DOJO_STUDY: studyId,
        DOJO_REPLICAS: String(options.replicas),
        DOJO_JOB_ID: job.id,
        DOJO_WORKER_GROUP: String(g),
        DOJO_METRIC: hpo.metric,
        DOJO_WORKER_STATUS_FILE: statusFile,
        // The dojo's servers require its token: DOJO_TOKEN for the HPO client, MLflow's variable for tracking.
        ...(manager.token ? { DOJO_TOKEN: manager.token, MLFLOW_TRACKING_TOKEN: manager.token } : {}),
      };
      const args = ['worker', 'run', '--dir', l.dir, '--job', job.id, '--group', String(g), '--replica', String(r)];
      const pid = spawnDetached(cli, args, log, env);
      procs.push({ pid, marker: workerMarker(l, job.id, g, r), startedAt: new Date().toISOString(), group: g, replica: r, log, statusFile });
      // Recorded after every spawn so that a crash here still leaves every started pid findable.
      writeJsonAtomic(workerPidsFile(l, job.id), procs);
    }
  }
  progress(`started ${procs.length} worker process(es) for ${job.id}`);
  return started;
}

/**
 * Fails the trials that dead workers were running: their run is marked FAILED with the reason, the
 * HPO service is told `fail`. Returns how many workers are still alive.
 */
export async function reapWorkers(l: DojoLayout, job: JobRecord, manager: ManagerInfo): Promise<number> {
  const procs = jobWorkers(l, job.id);
  let alive = 0;
  const dead: { proc: WorkerProc; status: WorkerStatus }[] = [];
  for (const p of procs) {
    if (isOurs(p)) {
      alive++;
      continue;
    }
    const status = readJson<WorkerStatus>(p.statusFile);
    if (status && status.trial !== null && status.pid === p.pid) dead.push({ proc: p, status });
  }
  if (dead.length === 0 || !job.run) return alive;
  const { HpoClient } = await import('../../hpo/client');
  const client = new HpoClient(manager.hpoUri, { token: manager.token });
  const study = (await client.getStudy(job.run.studyId)) as unknown as StudyView;
  for (const { proc, status } of dead) {
    const trial = study.trials.find((t) => t.number === status.trial);
    if (trial && trial.state === 'running') {
      const reason = `worker g${proc.group}/r${proc.replica} (pid ${proc.pid}) died during trial ${trial.number}`;
      await markRunFailed(manager.trackingUri, status.runId ?? trial.runId, reason, manager.token);
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

/** Fails the trials of dead workers of every running job of the dojo in dir (the manager calls this). */
export async function reapDojo(dir: string, manager: ManagerInfo): Promise<void> {
  const l = layout(dir);
  for (const job of readJobs(l)) {
    if (job.status === 'running' && job.run) await reapWorkers(l, job, manager);
  }
}

function readJobs(l: DojoLayout): JobRecord[] {
  let names: string[];
  try {
    names = readdirSync(l.jobs);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json')).map((n) => readJson<JobRecord>(join(l.jobs, n))).filter((j): j is JobRecord => j !== undefined);
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

/** The job's progress now (reaping dead workers first); records a terminal status in the job. */
export async function localJobProgress(home: string, job: JobRecord): Promise<{ progress: JobProgress; job: JobRecord }> {
  const l = layout(dojoDir(home, job.dojoId));
  if (!job.run) {
    return { job, progress: progressOf(job, { trials: [] }, 0) };
  }
  if (isTerminal(job.status)) {
    const m = managerState(l);
    const study = m.info ? await studyOrEmpty(m.info, job.run.studyId) : { trials: [] };
    return { job, progress: progressOf(job, study, jobWorkers(l, job.id).filter(isOurs).length) };
  }
  const manager = await requireManager(home, job.dojoId);
  const alive = await reapWorkers(l, job, manager);
  const study = await studyOrEmpty(manager, job.run.studyId);
  let progress = progressOf(job, study, alive);
  if (isTerminal(progress.status) && progress.status !== job.status) {
    // Stragglers of a finished study (idle workers) are ended, then the end is recorded.
    await terminate(jobWorkers(l, job.id));
    job = { ...job, status: progress.status, run: { ...job.run, endedAt: new Date().toISOString() } };
    saveJob(home, job);
    progress = progressOf(job, study, 0);
  }
  return { job, progress };
}

async function studyOrEmpty(manager: ManagerInfo, studyId: string): Promise<StudyView> {
  const { HpoClient } = await import('../../hpo/client');
  return (await new HpoClient(manager.hpoUri, { token: manager.token }).getStudy(studyId)) as unknown as StudyView;
}

/** Stops a job's workers (only ours), fails the trials they were running, records `stopped`. */
export async function stopLocalJob(home: string, job: JobRecord, progress: ProgressFn): Promise<JobRecord> {
  const l = layout(dojoDir(home, job.dojoId));
  const procs = jobWorkers(l, job.id);
  const live = procs.filter(isOurs);
  if (live.length > 0) progress(`stopping ${live.length} worker process(es) of ${job.id}`);
  const left = await terminate(procs);
  if (left.length > 0) throw new DojoError('LOST', `could not end worker pid(s) ${left.join(', ')} of ${job.id}`);
  const m = managerState(l);
  if (job.run && m.info && (await healthy(m.info))) await reapWorkers(l, job, m.info);
  if (isTerminal(job.status) || !job.run) return job;
  const stopped: JobRecord = { ...job, status: 'stopped', run: { ...job.run, endedAt: new Date().toISOString() } };
  saveJob(home, stopped);
  return stopped;
}

/** The job with its live progress (progress omitted when the dojo is not active). */
export async function inspectLocalJob(home: string, job: JobRecord): Promise<JobInfo> {
  const l = layout(dojoDir(home, job.dojoId));
  const m = managerState(l);
  if (!job.run) return { ...job, trackingUri: m.info?.trackingUri };
  try {
    const r = await localJobProgress(home, job);
    return { ...r.job, progress: r.progress, trackingUri: m.info?.trackingUri };
  } catch (e) {
    if (e instanceof DojoError && e.code === 'UNAVAILABLE') return { ...job, trackingUri: undefined };
    throw e;
  }
}

/** Settings of `hpo enable` applied to a job that has not started. */
export function withHpo(job: JobRecord, settings: HpoSettings): JobRecord {
  if (job.status !== 'created') {
    throw new DojoError('CONFLICT', `job ${job.id} was started already (status ${job.status}); HPO settings can only change before \`dojo job start\``);
  }
  return { ...job, hpo: settings };
}
