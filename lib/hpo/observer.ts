import type { StoredTrial } from './storage/sqlite';
import type { BestModel, StudyRuntime } from './study';

/**
 * Side effects of a study's life outside the database (tracking runs, report artifacts). The
 * engine commits to SQLite first and then calls these; a failing observer is logged, never
 * fails the ask or tell that triggered it.
 */
export interface StudyObserver {
  /** A study was created; returns the id of its parent run, if any. */
  studyCreated(study: StudyRuntime): Promise<string | undefined>;
  /** A trial was handed out; returns the id of its run, if any. */
  trialStarted(study: StudyRuntime, trial: StoredTrial): Promise<string | undefined>;
  /** A trial reached a final state (told, or failed by heartbeat timeout). */
  trialFinished(study: StudyRuntime, trial: StoredTrial): Promise<void>;
  /** maxTrials trials are all told: the study is over. Returns where its best model went, if anywhere. */
  studyFinished(study: StudyRuntime): Promise<BestModel | undefined>;
}
