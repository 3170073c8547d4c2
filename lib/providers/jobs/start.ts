// What `dojo job start` does the same way on every provider: refuse a job that cannot start, ask
// the HPO service for the job's study, and record how the job was started.
import { DojoError } from '../../errors';
import type { StudySpecInput } from '../../hpo/spec';
import type { DojoConfig, HpoSettings, JobRecord, JobRun, StartJobOptions } from '../provider';

/**
 * The job's HPO settings, or a CONFLICT (started already) or USAGE error (no search space, more
 * workers than the dojo's --max-workers) saying what to run instead.
 */
export function startableHpo(job: JobRecord, cfg: DojoConfig, options: StartJobOptions): HpoSettings {
  if (job.status !== 'created') {
    throw new DojoError('CONFLICT', `job ${job.id} was started already (status ${job.status}); create a new job with \`dojo job create --dojo ${job.dojoId}\``);
  }
  const hpo = job.hpo;
  if (!hpo) throw new DojoError('USAGE', `job ${job.id} has no search space; run \`dojo hpo enable ${job.id} --space FILE --num-runs N\` first`);
  const workers = hpo.parallel * options.replicas;
  if (workers > cfg.maxWorkers) {
    throw new DojoError('USAGE', `--parallel ${hpo.parallel} × --replicas ${options.replicas} = ${workers} workers exceeds the dojo's --max-workers ${cfg.maxWorkers}`);
  }
  return hpo;
}

/** The study a job's workers draw their trials from: named after the job, one trial per run. */
export function jobStudySpec(jobId: string, hpo: HpoSettings): StudySpecInput {
  return {
    name: jobId,
    direction: hpo.direction,
    space: hpo.space,
    sampler: hpo.seed === undefined ? { name: hpo.sampler } : { name: hpo.sampler, seed: hpo.seed },
    pruner: { name: hpo.pruner },
    maxTrials: hpo.numRuns,
    metric: hpo.metric,
    ...(hpo.enqueue && hpo.enqueue.length > 0 ? { enqueue: hpo.enqueue.map((p) => ({ ...p })) } : {}),
    ...(hpo.fromStudy !== undefined ? { fromStudy: hpo.fromStudy } : {}),
  };
}

/** The progress line once the study exists. */
export function studyCreatedMessage(studyId: string, hpo: HpoSettings, options: StartJobOptions): string {
  return `study ${studyId}: ${hpo.numRuns} trials, ${hpo.parallel} at a time, ${options.replicas} replica(s) each`;
}

/** How the job was started, recorded before its first worker starts. */
export function startedRun(hpo: HpoSettings, options: StartJobOptions, studyId: string, parentRunId: string | undefined): JobRun {
  return { startedAt: new Date().toISOString(), replicas: options.replicas, parallel: hpo.parallel, env: { ...options.env }, studyId, parentRunId };
}
