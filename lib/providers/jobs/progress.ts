// A provider-independent view of an HPO study's trials, computed from the HPO service's answer,
// and the arithmetic of progress (counts, best, ETA) shared by every provider.
import type { JobProgress, JobRecord, JobStatus } from '../provider';

/** One trial as the HPO service reports it (GET /api/v1/studies/{id}). */
export interface TrialView {
  readonly number: number;
  readonly state: string;
  readonly value?: number;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly runId?: string;
}

/** The parts of a study answer progress needs. */
export interface StudyView {
  readonly trials: readonly TrialView[];
  readonly best?: { readonly number: number; readonly value: number; readonly params: Readonly<Record<string, unknown>> } | null;
}

/** Trial counts by state (the HPO service says "failed"; older answers may say "fail"). */
export function countTrials(study: StudyView): { complete: number; running: number; pruned: number; failed: number } {
  const c = { complete: 0, running: 0, pruned: 0, failed: 0 };
  for (const t of study.trials) {
    if (t.state === 'complete') c.complete++;
    else if (t.state === 'running') c.running++;
    else if (t.state === 'pruned') c.pruned++;
    else if (t.state === 'failed' || t.state === 'fail') c.failed++;
  }
  return c;
}

/**
 * Progress of a started job from its study and how many workers still run. Every trial handed out
 * counts towards the number of runs (failed ones too: the HPO service does not replace them), so
 * the job is completed when numRuns trials have ended and at least one did not fail, failed when
 * the workers are gone before that.
 */
export function progressOf(job: JobRecord, study: StudyView, workersAlive: number, nowMs: number = Date.now()): JobProgress {
  const total = job.hpo?.numRuns ?? 1;
  const c = countTrials(study);
  const finished = c.complete + c.pruned + c.failed;
  const startMs = job.run ? Date.parse(job.run.startedAt) : nowMs;
  const endMs = job.run?.endedAt ? Date.parse(job.run.endedAt) : nowMs;
  const elapsedSec = Math.max(0, (endMs - startMs) / 1000);
  let status: JobStatus = job.status;
  if (status === 'running') {
    if (finished >= total && c.running === 0) status = c.complete + c.pruned > 0 ? 'completed' : 'failed';
    else if (workersAlive === 0) status = 'failed';
  }
  const left = Math.max(0, total - finished);
  const etaSec = finished > 0 && status === 'running' ? (elapsedSec / finished) * left : undefined;
  const best = study.best && Number.isFinite(study.best.value) ? study.best : undefined;
  return {
    jobId: job.id,
    status,
    total,
    ...c,
    best,
    elapsedSec,
    etaSec,
    workersAlive,
    // A job without a study has no metric of its own yet (the HPO service says "objective" then too).
    metric: job.hpo?.metric ?? 'objective',
  };
}

/** True for the states a job does not leave. */
export function isTerminal(s: JobStatus): boolean {
  return s === 'completed' || s === 'failed' || s === 'stopped';
}
