// Which metrics a study's pages chart first (pure: the server's run-page route sends their curves
// with the page's first answer, so it must pick the same keys as the page: both use
// lib/tracking/series-choice.ts).
import { defaultMetricKeys, sortedMetricKeys } from '../../series-choice';
import type { Run } from '../../types';
import type { Study } from './study';

/** The metric keys the trials have, sorted (`objective` last: it is one point per trial). */
export function metricKeys(study: Study): string[] {
  return sortedMetricKeys(study.trials.flatMap((t) => Object.keys(t.metrics)));
}

/** The metrics charted first: the study's metric and train RMSE when the runs have them, else the first two. */
export function defaultKeys(study: Study, available: readonly string[]): string[] {
  return defaultMetricKeys(study.metric, available);
}

/** The HPO service's study id of a study's parent run, to ask for its live view. */
export function studyIdOf(run: Run): string | undefined {
  return run.data.tags?.find((t) => t.key === 'hpo.study_id')?.value;
}
