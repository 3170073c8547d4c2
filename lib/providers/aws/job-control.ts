// The provider-side steps of a job on AWS: launching its tasks once the study exists, and its
// progress from the study and the job's running tasks.
import { startedRun } from '../job-start';
import { isTerminal, progressOf, type StudyView } from '../study-view';
import { loadJob, saveJob } from '../state';
import type { DojoConfig, JobInfo, JobProgress, ProgressFn, StartJobOptions } from '../provider';
import { JOB_RENDEZVOUS_WINDOW_MS, scaleOutForJob } from './capacity';
import type { AwsClients } from './clients';
import { portsOf, runningTasks } from './describe';
import { runJobTasks, type AwsJobRecord, type JobTask } from './jobs';
import { stopJobTasks, type WaitSettings } from './lifecycle';
import { need, type DojoParams } from './params';

/** What launchJobTasks needs. */
export interface LaunchJob {
  readonly home: string;
  readonly clients: AwsClients;
  readonly cfg: DojoConfig;
  readonly params: DojoParams;
  readonly job: AwsJobRecord;
  readonly options: StartJobOptions;
  readonly studyId: string;
  readonly parentRunId?: string;
  /** The manager's private address (workers reach the services there). */
  readonly address: string;
  readonly progress: ProgressFn;
  readonly wait: WaitSettings;
}

/** Records the job as running, then starts its P × R tasks, recording each as it starts. */
export async function launchJobTasks(l: LaunchJob): Promise<JobInfo> {
  const { cfg, params, job, options, progress } = l;
  const hpo = job.hpo!;
  const ports = portsOf(params);
  const taskDefinition = job.taskDefinition ?? need(params, 'workerTaskDefinition', cfg.id);
  let started: AwsJobRecord = {
    ...job,
    status: 'running',
    taskDefinition,
    tasks: [],
    run: startedRun(hpo, options, l.studyId, l.parentRunId),
  };
  saveJob(l.home, started);
  const tasks: JobTask[] = [];
  const trackingUri = `http://${l.address}:${ports.tracking}`;
  const cluster = need(params, 'cluster', cfg.id);
  await scaleOutForJob({ clients: l.clients, cluster, workerAsg: need(params, 'workerAsg', cfg.id), tasks: hpo.parallel * options.replicas, progress, wait: l.wait });
  await runJobTasks(
    l.clients.ecs,
    {
      cluster,
      taskDefinition,
      capacityProvider: need(params, 'workerCapacityProvider', cfg.id),
      container: need(params, 'workerContainer', cfg.id),
      dojoId: cfg.id,
      jobId: job.id,
      region: l.clients.region,
      parallel: hpo.parallel,
      replicas: options.replicas,
      studyId: l.studyId,
      metric: hpo.metric,
      trackingUri,
      hpoUri: `http://${l.address}:${ports.hpo}`,
      env: options.env,
      rendezvousDeadline: Date.now() + JOB_RENDEZVOUS_WINDOW_MS,
    },
    (t) => {
      // Recorded after every RunTask so that a failure midway still lets `job stop` find them.
      tasks.push(t);
      started = { ...started, tasks: [...tasks] };
      saveJob(l.home, started);
    },
  );
  progress(`started ${tasks.length} ECS task(s) for ${job.id} on ${need(params, 'workerCapacityProvider', cfg.id)}`);
  return { ...started, trackingUri };
}

/**
 * The job's progress from its study and its running tasks; when the study has finished, idle
 * stragglers are stopped and the end is recorded in the job.
 */
export async function awsJobProgress(
  home: string,
  c: AwsClients,
  params: DojoParams,
  jobId: string,
  client: { getStudy(id: string): Promise<unknown> },
): Promise<JobProgress> {
  let job = loadJob(home, jobId);
  if (!job.run) return progressOf(job, { trials: [] }, 0);
  const cluster = need(params, 'cluster', job.dojoId);
  const alive = (await runningTasks(c.ecs, cluster, jobId)).length;
  const study = (await client.getStudy(job.run.studyId)) as StudyView;
  let p = progressOf(job, study, alive);
  if (isTerminal(p.status) && p.status !== job.status) {
    await stopJobTasks(c, cluster, jobId, `dojo: job ${jobId} ${p.status}`, () => undefined);
    job = { ...job, status: p.status, run: { ...job.run, endedAt: new Date().toISOString() } };
    saveJob(home, job);
    p = progressOf(job, study, 0);
  }
  return p;
}
