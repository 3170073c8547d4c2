// Which metrics a study's pages chart first (pure: the page's boot script fetches their curves
// before the page's code has loaded, so it must pick the same keys as the page).
import type { Run } from '../../types';
import type { Study } from './study';

/** The metric keys the trials have, sorted (`objective` last: it is one point per trial). */
export function metricKeys(study: Study): string[] {
  const keys = [...new Set(study.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  return [...keys.filter((k) => k !== 'objective'), ...keys.filter((k) => k === 'objective')];
}

/** The metrics charted first: the study's metric and train RMSE when the runs have them, else the first two. */
export function defaultKeys(study: Study, available: readonly string[]): string[] {
  // "objective" is one point per trial: a study's own metric (val_rmse) is its curve.
  const wanted = [study.metric, 'val_rmse', 'train_rmse'].filter((k, i, a) => k !== 'objective' && available.includes(k) && a.indexOf(k) === i);
  return wanted.length > 0 ? wanted.slice(0, 2) : available.filter((k) => k !== 'objective').slice(0, 2);
}

/** The series a study page draws first: the default compare metrics, and the study's metric when no HPO view gives the pruner's values. */
export function initialKeys(study: Study): string[] {
  return [...new Set([...defaultKeys(study, metricKeys(study)), ...(study.live ? [] : [study.metric])])];
}

/** The HPO service's study id of a study's parent run, to ask for its live view. */
export function studyIdOf(run: Run): string | undefined {
  return run.data.tags?.find((t) => t.key === 'hpo.study_id')?.value;
}
