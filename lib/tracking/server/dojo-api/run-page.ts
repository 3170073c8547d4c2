// A run's page read its run, then the run's children (a study's trials), the HPO service's view of
// its study and its artifacts, then the trials' curves: three round trips, each sent only when the
// browser's busy main thread got to it. This route answers them all in one.
import { invalidParam } from '../../errors';
import { firstSeriesOf } from '../../series-choice';
import type { TrackingStore } from '../../store';
import type { Run } from '../../types';
import { etagOf, type CachedAnswer } from '../answer-cache';
import { toJson } from '../http';
import { runArtifacts } from '../routes/artifacts';
import { fetchStudy } from './hpo-proxy';
import type { DojoApiDeps } from './index';
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

/** The run `runId` after checking its id (a 400 for a missing or malformed one, MLflow's 404 for one that does not exist). */
function runOf(query: URLSearchParams, store: TrackingStore): Run {
  const runId = query.get('run_id');
  if (runId === null || runId === '') throw invalidParam("Missing value for required parameter 'run_id'.");
  if (!RUN_ID.test(runId)) throw invalidParam("Invalid value for 'run_id': a run id is 1 to 64 letters and digits.");
  return store.runs.get(runId);
}

/** The members of the answer that come from the store (the JSON text without its braces). */
async function trackingPart(run: Run, store: TrackingStore): Promise<string> {
  const experiment = store.experiments.get(run.info.experiment_id);
  const children = childrenOf(store, run);
  const { keys, maxPoints } = firstSeriesOf(run, children);
  const series = keys.length > 0 ? await seriesJson(children.map((c) => c.info.run_id), keys, maxPoints, store) : '[]';
  return `"run":${toJson(run)},"experiment":${toJson(experiment)},"children":${toJson(children)},"series":{"keys":${JSON.stringify(keys)},"max_points":${maxPoints},"series":${series}}`;
}

/**
 * `GET /dojo-api/v1/run-page?run_id=ID`: what a run's page draws first, as one JSON text:
 * `{"run": …, "experiment": …, "children": [Run…], "series": {"keys": […], "max_points": N, "series": [SeriesAnswer…]}, "files": [FileInfo…], "report_files": [FileInfo…], "hpo": StudyDetail | null}`
 * — runs/get's run, experiments/get's experiment, the runs/search answer of its children, the
 * thinned series of the metrics its page charts first (firstSeriesOf(): the keys and point count
 * the page would ask `/dojo-api/v1/series` for), artifacts/list's files of its artifacts' top
 * folder and of `report/`, and for a study's run (tag `hpo.study_id`) the
 * linked HPO service's view as `/dojo-api/v1/hpo/studies/{id}` answers it (null without one, or
 * when the service is down or does not know the study). A 400 for a missing or malformed run id,
 * MLflow's 404 for a run that does not exist. The store's part is kept in `answers` until the
 * store's next write; the HPO part is the proxy's (asked again with its ETag each time).
 */
export async function runPageAnswer(query: URLSearchParams, deps: DojoApiDeps): Promise<CachedAnswer> {
  // The generation read before anything is read: a write meanwhile makes the kept part one of an
  // older generation, never found again.
  const generation = deps.store.generation();
  const run = runOf(query, deps.store);
  const studyId = run.data.tags?.find((t) => t.key === 'hpo.study_id')?.value;
  const hpoUri = deps.hpo.uri();
  // Asked first: the HPO service answers while the store's part is made.
  const hpo = studyId && hpoUri ? fetchStudy(hpoUri, studyId, deps.hpo.token, deps.answers).catch(() => undefined) : Promise.resolve(undefined);
  const key = `run-page ${run.info.run_id}`;
  const tracking = deps.answers.get(key, generation) ?? deps.answers.set(key, generation, await trackingPart(run, deps.store));
  // Files are not in the store (its generation does not see them): listed on every request.
  const files = `"files":${toJson(runArtifacts(run, '', deps.artifacts))},"report_files":${toJson(runArtifacts(run, 'report', deps.artifacts))}`;
  const live = await hpo;
  const body = Buffer.concat([Buffer.from('{'), tracking.body, Buffer.from(`,${files},"hpo":`), live?.body ?? Buffer.from('null'), Buffer.from('}')]);
  // Any part changed, the ETag changes.
  return { body, version: generation, etag: etagOf(Buffer.from(`${tracking.etag} ${live?.etag ?? 'none'} ${files}`)) };
}
