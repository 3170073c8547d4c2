// Which thinned curves a study's page draws first, and at how many points per run (pure). Both the
// web UI (lib/tracking/ui) and the tracking server's run-page route (server/dojo-api/run-page.ts)
// choose with these functions: the server sends with a run's page the curves the page will ask for.
import type { Run } from './types';

/**
 * The point counts a chart's curves are thinned to (pointsPerRun() picks one by the number of runs
 * charted); the server thins each run's curves to these when the run ends (dojo-api/warm.ts).
 */
export const SERIES_POINTS = [400, 200, 100, 60] as const;

/**
 * Points per run and curve for a chart of `runs` lines: 400 for a few runs, fewer for many (a chart
 * is a few hundred pixels wide; 200 lines × 100 points, each bucket's low and high kept, look the
 * same as 200 × 1,000 and cost a tenth to send and draw). One of SERIES_POINTS, so that the
 * series of a run that has ended are already thinned on the server.
 */
export function pointsPerRun(runs: number): number {
  const budget = Math.floor(20_000 / Math.max(1, runs));
  return SERIES_POINTS.find((p) => p <= budget) ?? SERIES_POINTS.at(-1)!;
}

/** The metric keys given, once each and sorted (`objective` last: it is one point per trial). */
export function sortedMetricKeys(keys: Iterable<string>): string[] {
  const sorted = [...new Set(keys)].sort();
  return [...sorted.filter((k) => k !== 'objective'), ...sorted.filter((k) => k === 'objective')];
}

/** The metrics charted first: the study's metric and train RMSE when the runs have them, else the first two. */
export function defaultMetricKeys(metric: string, available: readonly string[]): string[] {
  // "objective" is one point per trial: a study's own metric (val_rmse) is its curve.
  const wanted = [metric, 'val_rmse', 'train_rmse'].filter((k, i, a) => k !== 'objective' && available.includes(k) && a.indexOf(k) === i);
  return wanted.length > 0 ? wanted.slice(0, 2) : available.filter((k) => k !== 'objective').slice(0, 2);
}

/**
 * The series a study page draws first: the default compare metrics, and the study's metric unless
 * the HPO service's view (`live`) gives the values the pruner saw.
 */
export function firstSeriesKeys(metric: string, available: readonly string[], live: boolean): string[] {
  return [...new Set([...defaultMetricKeys(metric, available), ...(live ? [] : [metric])])];
}

/**
 * A study's metric as tracking alone knows it: its parent run's `hpo.metric` tag (the HPO service's
 * TAG.metric, lib/hpo/tracking/tags.ts; a test keeps the two in step), else "objective".
 */
export function studyMetricOf(parent: Run): string {
  return parent.data.tags?.find((t) => t.key === 'hpo.metric')?.value ?? 'objective';
}

/**
 * The curves a run's page reads first for its child runs (a study's trials), before the HPO
 * service's view is known: what initialKeys(buildStudy(parent, children)) of the UI gives.
 */
export function firstSeriesOf(parent: Run, children: readonly Run[]): { keys: string[]; maxPoints: number } {
  if (children.length === 0) return { keys: [], maxPoints: pointsPerRun(0) };
  const available = sortedMetricKeys(children.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)));
  return { keys: firstSeriesKeys(studyMetricOf(parent), available, false), maxPoints: pointsPerRun(children.length) };
}
