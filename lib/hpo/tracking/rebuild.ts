import { DojoError } from '../../errors';
import { TrackingClient, type Run } from '../../tracking';
import type { Params } from '../space';
import type { ResolvedStudySpec } from '../spec';
import type { SqliteStore, StoredTrial } from '../storage/sqlite';
import type { TrialState } from '../types';
import { BEST_MODEL_TAG, bestModelFromTags } from './best-model';
import { readLongTag, TAG } from './tags';

function tag(run: Run, key: string): string | undefined {
  return run.data.tags?.find((t) => t.key === key)?.value;
}

function metric(run: Run, key: string): number | undefined {
  return run.data.metrics?.find((m) => m.key === key)?.value;
}

const STATES: readonly TrialState[] = ['running', 'complete', 'pruned', 'failed'];

/**
 * Recreates studies in an empty database from tracking alone: each parent run tagged
 * `hpo.role=study` gives a study (id, name, spec, seed), each of its child runs a trial
 * (number, typed params, state, metric `objective`, start/end time, run id), the parent's
 * `dojo.best_model` tags its best model. Numbers missing from
 * tracking (a child run that was never created) come back as failed trials, so numbers stay
 * dense and are not reused. Intermediate values are not rebuilt: the pruner only sees reports
 * made after the rebuild. Running trials get a fresh heartbeat timeout, as after a restart.
 * A study that cannot be read back is not recreated (nor counted) but named in `skipped`.
 */
export async function rebuildFromTracking(trackingUri: string, store: SqliteStore, client = new TrackingClient(trackingUri)): Promise<RebuildResult> {
  const experimentIds: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchExperiments({ maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    experimentIds.push(...page.experiments.map((e) => e.experiment_id));
    pageToken = page.nextPageToken;
  } while (pageToken);
  const result: RebuildResult = { studies: 0, trials: 0, skipped: [] };
  if (experimentIds.length === 0) return result;
  const parents = await client.searchAllRuns({ experimentIds, filter: `tags.\`${TAG.role}\` = 'study'` });
  parents.sort((a, b) => Number(tag(a, TAG.studyId) ?? 0) - Number(tag(b, TAG.studyId) ?? 0));
  for (const parent of parents) {
    const name = tag(parent, TAG.study) ?? `(parent run ${parent.info.run_id})`;
    try {
      const trials = await rebuildStudy(client, store, parent);
      result.studies++;
      result.trials += trials;
    } catch (e) {
      // One unreadable study (a cut tag, a spec from another version) must not hide the others.
      result.skipped.push({ study: name, runId: parent.info.run_id, reason: (e as Error).message });
    }
  }
  return result;
}

/** What a rebuild recreated, and the studies it could not (by name, with the reason). */
export interface RebuildResult {
  studies: number;
  trials: number;
  skipped: { study: string; runId: string; reason: string }[];
}

/** Recreates one study and its trials from its parent run; throws naming what is missing or unreadable. */
async function rebuildStudy(client: TrackingClient, store: SqliteStore, parent: Run): Promise<number> {
  const name = tag(parent, TAG.study);
  if (!name) throw new DojoError('BAD_DATA', `tag ${TAG.study} is missing`);
  const specText = readLongTag((k) => tag(parent, k), TAG.spec);
  if (!specText) throw new DojoError('BAD_DATA', `tag ${TAG.spec} (or one of its pieces) is missing`);
  const spec = parseJsonTag<ResolvedStudySpec>(specText, TAG.spec);
  if (typeof spec !== 'object' || spec === null || typeof spec.space !== 'object') throw new DojoError('BAD_DATA', `tag ${TAG.spec} is not a study spec`);
  const seed = Number(tag(parent, TAG.seed) ?? 0);
  const children = await client.searchAllRuns({ experimentIds: [parent.info.experiment_id], filter: `tags.\`mlflow.parentRunId\` = '${parent.info.run_id}'` });
  const byNumber = new Map<number, Run>();
  for (const c of children) {
    const n = Number(tag(c, TAG.trialNumber));
    if (Number.isInteger(n) && n >= 0) byNumber.set(n, c);
  }
  const count = byNumber.size === 0 ? 0 : Math.max(...byNumber.keys()) + 1;
  const trials: StoredTrial[] = [];
  for (let n = 0; n < count; n++) {
    const run = byNumber.get(n);
    if (!run) {
      trials.push({ number: n, state: 'failed', params: {}, startedAt: parent.info.start_time, endedAt: parent.info.start_time, failReason: 'lost', intermediate: new Map() });
      continue;
    }
    const state = tag(run, TAG.state) as TrialState | undefined;
    const value = metric(run, 'objective');
    trials.push({
      number: n,
      state: state && STATES.includes(state) ? state : 'failed',
      params: parseJsonTag<Params>(readLongTag((k) => tag(run, k), TAG.params) ?? '{}', `${TAG.params} of trial ${n}`),
      ...(value !== undefined ? { value } : {}),
      runId: run.info.run_id,
      startedAt: run.info.start_time,
      ...(run.info.end_time ? { endedAt: run.info.end_time } : {}),
      ...(state === 'failed' ? { failReason: 'told' } : {}),
      intermediate: new Map(),
    });
  }
  store.transaction(() => {
    const id = store.insertStudy(name, spec, seed, parent.info.start_time, Number(tag(parent, TAG.studyId)) || undefined);
    store.setParentRun(id, parent.info.run_id);
    if (parent.info.status !== 'RUNNING') store.setFinished(id, parent.info.end_time ?? Date.now());
    const bestModel = bestModelFromTags(parent.info.run_id, tag(parent, BEST_MODEL_TAG.uri), tag(parent, BEST_MODEL_TAG.registered));
    if (bestModel) store.setBestModel(id, bestModel);
    for (const t of trials) store.insertTrial(id, t);
  });
  return trials.length;
}

function parseJsonTag<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DojoError('BAD_DATA', `tag ${what} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}
