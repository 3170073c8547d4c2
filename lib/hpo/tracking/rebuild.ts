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
 */
export async function rebuildFromTracking(trackingUri: string, store: SqliteStore): Promise<{ studies: number; trials: number }> {
  const client = new TrackingClient(trackingUri);
  const experimentIds: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchExperiments({ maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    experimentIds.push(...page.experiments.map((e) => e.experiment_id));
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (experimentIds.length === 0) return { studies: 0, trials: 0 };
  const parents = await client.searchAllRuns({ experimentIds, filter: `tags.\`${TAG.role}\` = 'study'` });
  parents.sort((a, b) => Number(tag(a, TAG.studyId) ?? 0) - Number(tag(b, TAG.studyId) ?? 0));
  let nTrials = 0;
  for (const parent of parents) {
    const specText = readLongTag((k) => tag(parent, k), TAG.spec);
    const name = tag(parent, TAG.study);
    if (!specText || !name) continue;
    const spec = JSON.parse(specText) as ResolvedStudySpec;
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
        params: JSON.parse(readLongTag((k) => tag(run, k), TAG.params) ?? '{}') as Params,
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
    nTrials += trials.length;
  }
  return { studies: parents.length, trials: nTrials };
}
