// A run's page reads its run, then the run's children (a study's trials), then their curves: three
// round trips, each sent only when the browser's busy main thread gets to it. This route answers
// the three (and the run's experiment) in one.
import { invalidParam } from '../../errors';
import { firstSeriesOf } from '../../series-choice';
import type { TrackingStore } from '../../store';
import type { Run } from '../../types';
import { toJson } from '../http';
import { seriesJson } from './series';

/** Most child runs answered (the UI's searchAllRuns() stops there too). */
export const RUN_PAGE_MAX_CHILDREN = 10_000;

/** A run id as the store makes them (hex) or MLflow's clients may name them: letters and digits. */
const RUN_ID = /^[0-9a-zA-Z]{1,64}$/;

/**
 * The children of run `parent`, as the UI's childrenOf() reads them with runs/search (the same Run
 * objects, in the same order: a search of its experiment by the `mlflow.parentRunId` tag, active
 * runs only, pages of 1,000).
 */
function childrenOf(store: TrackingStore, parent: Run): Run[] {
  const runs: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = store.runs.search({ experimentIds: [parent.info.experiment_id], filter: `tags.\`mlflow.parentRunId\` = '${parent.info.run_id}'`, maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    runs.push(...page.runs);
    pageToken = page.nextPageToken;
  } while (pageToken && runs.length < RUN_PAGE_MAX_CHILDREN);
  return runs;
}

/**
 * `GET /dojo-api/v1/run-page?run_id=ID`: what a run's page draws first, as one JSON text:
 * `{"run": …, "experiment": …, "children": [Run…], "series": {"keys": […], "max_points": N, "series": [SeriesAnswer…]}}`
 * — runs/get's run, experiments/get's experiment, the runs/search answer of its children, and the
 * thinned series of the metrics its page charts first (firstSeriesOf(): the keys and point count
 * the page would ask `/dojo-api/v1/series` for). A 400 for a missing or malformed run id, MLflow's
 * 404 for a run that does not exist.
 */
export async function runPageRoute(query: URLSearchParams, store: TrackingStore): Promise<string> {
  const runId = query.get('run_id');
  if (runId === null || runId === '') throw invalidParam("Missing value for required parameter 'run_id'.");
  if (!RUN_ID.test(runId)) throw invalidParam("Invalid value for 'run_id': a run id is 1 to 64 letters and digits.");
  const run = store.runs.get(runId);
  const experiment = store.experiments.get(run.info.experiment_id);
  const children = childrenOf(store, run);
  const { keys, maxPoints } = firstSeriesOf(run, children);
  const series = keys.length > 0 ? await seriesJson(children.map((c) => c.info.run_id), keys, maxPoints, store) : '[]';
  return `{"run":${toJson(run)},"experiment":${toJson(experiment)},"children":${toJson(children)},"series":{"keys":${JSON.stringify(keys)},"max_points":${maxPoints},"series":${series}}}`;
}
