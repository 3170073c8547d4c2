import type { JobInfo, JobRecord } from '../../../providers/provider';
import { shellAssignments } from '../../shell';
import { table } from '../ls/format';
import { withBookNames } from '../inspect/format';

/**
 * The book's names for lines of `dojo job inspect` → the line each repeats (chapter 12 reads
 * `KAEN_HPO_MANAGER_IP` once HPO is enabled: the manager, where the HPO service listens).
 */
export const KAEN_JOB_NAMES: Readonly<Record<string, string>> = {
  KAEN_JOB_ID: 'JOB_ID',
  KAEN_HPO_MANAGER_IP: 'JOB_HPO_MANAGER_IP',
};

/** What `job inspect` knows about the job's dojo besides the job. */
export interface JobDojoInfo {
  /** The dojo manager's address (empty while the dojo is inactive). */
  readonly managerIp?: string;
}
import { formatDuration, formatValue } from '../job-wait/format';

/**
 * `dojo job inspect`: KEY=VALUE lines like `dojo inspect`, POSIX-quoted so that `eval` runs nothing;
 * given the dojo, a job with HPO also shows the manager that serves its study.
 */
export function formatJobInfo(j: JobInfo, dojo?: JobDojoInfo): string[] {
  const pairs: [string, string | number | undefined][] = [
    ['JOB_ID', j.id], ['JOB_DOJO', j.dojoId], ['JOB_STATUS', j.progress?.status ?? j.status], ['JOB_IMAGE', j.image], ['JOB_CREATED_AT', j.createdAt],
  ];
  if (j.hpo) {
    pairs.push(
      ['JOB_HPO_SPACE', j.hpo.spaceFile],
      ['JOB_HPO_NUM_RUNS', j.hpo.numRuns],
      ['JOB_HPO_PARALLEL', j.hpo.parallel],
      ['JOB_HPO_SAMPLER', j.hpo.sampler],
      ['JOB_HPO_PRUNER', j.hpo.pruner],
      ['JOB_HPO_METRIC', j.hpo.metric],
    );
    if (dojo) pairs.push(['JOB_HPO_MANAGER_IP', dojo.managerIp]);
  }
  if (j.run) {
    pairs.push(['JOB_STUDY', j.run.studyId], ['JOB_REPLICAS', j.run.replicas], ['JOB_STARTED_AT', j.run.startedAt], ['JOB_ENDED_AT', j.run.endedAt]);
  }
  const p = j.progress;
  const unknown = j.countsUnknown ?? p?.countsUnknown;
  if (unknown !== undefined) pairs.push(['JOB_TRIALS_UNKNOWN', unknown]);
  else if (p) {
    pairs.push(
      ['JOB_TRIALS_TOTAL', p.total],
      ['JOB_TRIALS_COMPLETE', p.complete],
      ['JOB_TRIALS_RUNNING', p.running],
      ['JOB_TRIALS_PRUNED', p.pruned],
      ['JOB_TRIALS_FAILED', p.failed],
      ['JOB_WORKERS', p.workersAlive],
      ['JOB_ELAPSED', formatDuration(p.elapsedSec)],
      ['JOB_BEST_TRIAL', p.best?.number],
      ['JOB_BEST_VALUE', p.best ? formatValue(p.best.value) : undefined],
      ['JOB_BEST_PARAMS', p.best ? JSON.stringify(p.best.params) : undefined],
    );
  }
  if (j.trackingUri) pairs.push(['JOB_TRACKING_URI', j.trackingUri]);
  return shellAssignments(withBookNames(pairs, KAEN_JOB_NAMES));
}

/** `dojo job ls`: a table of jobs. */
export function formatJobList(jobs: readonly JobRecord[]): string[] {
  if (jobs.length === 0) return [];
  return table([
    ['JOB', 'DOJO', 'STATUS', 'TRIALS', 'CREATED'],
    ...jobs.map((j) => [j.id, j.dojoId, j.status, j.hpo ? `${j.hpo.numRuns}x${j.hpo.parallel}` : '-', j.createdAt]),
  ]);
}
