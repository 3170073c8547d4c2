// Which workers a started job runs, per job kind, with the environment of the worker contract
// (lib/jobs/env.ts). Providers start them as they are (a local process, an ECS task) and add only
// what is theirs (a status file, the AWS region).
import { jobKindOf } from '../../jobs/kinds';
import { workerEnv } from '../../jobs/env';
import { DRIVER_ENV } from './driver/settings';
import type { JobRecord, JobRun } from '../provider';

/** One worker to start. */
export interface WorkerLaunch {
  /** The trial group it belongs to (its replicas train one trial together). */
  readonly group: number;
  readonly replica: number;
  /** Its environment as the contract defines it (the user's -e environment included). */
  readonly env: Readonly<Record<string, string>>;
  /** The `dojo` arguments it runs. */
  readonly args: readonly string[];
}

/** How the workers reach the manager's services: addresses (loopback locally, the private address on AWS) and tokens. */
export interface WorkerAccess {
  readonly trackingUri: string;
  readonly hpoUri: string;
  /** The dojo's bearer token, when its servers require one. */
  readonly token?: string;
  /** The bearer token MLflow clients send to the tracking server, when the dojo's own server requires one. */
  readonly trackingToken?: string;
}

/**
 * The workers of a job that was just recorded as started: parallel × replicas worker loops for a
 * built-in job; for a command job one trial driver per parallel slot (`dojo job drive`), which
 * starts each trial's replicas itself.
 */
export function workerLaunches(job: JobRecord, run: JobRun, metric: string, access: WorkerAccess): WorkerLaunch[] {
  const kind = jobKindOf(job);
  const out: WorkerLaunch[] = [];
  for (let group = 0; group < run.parallel; group++) {
    if (kind === 'command') {
      const env = workerEnv(run.env, { ...access, studyId: run.studyId, replicas: run.replicas, jobId: job.id, group, metric });
      out.push({ group, replica: 0, env: { ...env, [DRIVER_ENV.commandJob]: JSON.stringify(job.command) }, args: ['job', 'drive', '--job', job.id, '--group', String(group)] });
      continue;
    }
    for (let replica = 0; replica < run.replicas; replica++) {
      out.push({
        group,
        replica,
        env: workerEnv(run.env, { ...access, studyId: run.studyId, replicas: run.replicas, jobId: job.id, group, metric }),
        args: ['worker', 'run', '--job', job.id, '--group', String(group), '--replica', String(replica)],
      });
    }
  }
  return out;
}
