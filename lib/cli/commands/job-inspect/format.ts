import type { JobInfo, JobRecord } from '../../../providers/provider';
import { shellAssignments } from '../../shell';
import { table } from '../ls/format';
import { formatDuration, formatValue } from '../job-wait/format';

/** `dojo job inspect`: KEY=VALUE lines like `dojo inspect`, POSIX-quoted so that `eval` runs nothing. */
export function formatJobInfo(j: JobInfo): string[] {
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
  return shellAssignments(pairs);
}

/** `dojo job ls`: a table of jobs. */
export function formatJobList(jobs: readonly JobRecord[]): string[] {
  if (jobs.length === 0) return [];
  return table([
    ['JOB', 'DOJO', 'STATUS', 'TRIALS', 'CREATED'],
    ...jobs.map((j) => [j.id, j.dojoId, j.status, j.hpo ? `${j.hpo.numRuns}x${j.hpo.parallel}` : '-', j.createdAt]),
  ]);
}
