// The study a page shows, built from tracking (the parent run and its trial runs) and, when the
// tracking server is linked to the HPO service, the service's live view (pure: unit-tested in Node).
import type { StudyDetail, TrialInfo } from '../../../hpo/api';
import { lastStep, stateWords } from '../../../hpo/report/states';
import { readLongTag, TAG } from '../../../hpo/tracking/tags';
import type { ParamValue, SearchSpace } from '../../../hpo/space';
import type { Direction, TrialState } from '../../../hpo/types';
import type { Run } from '../../types';

export type { TrialState };

/** Tags of a trial run that say more than MLflow's status. */
export const TRIAL_TAGS = { reason: 'dojo.failure_reason', sampler: 'dojo.sampler' } as const;

/** The latest value of a metric and the step it was logged at. */
export interface Latest {
  readonly value: number;
  readonly step: number;
}

/** One trial (or, comparing plain runs, one run) as every view of a page sees it. */
export interface Trial {
  readonly runId: string;
  readonly name: string;
  /** The HPO trial number, when the run is a trial. */
  readonly number?: number;
  readonly state: TrialState;
  /** The state in the study's words: "pruned at step 400", "failed: <reason>", ... */
  readonly words: string;
  /** The objective value (complete trials; a pruned one keeps its last reported value). */
  readonly value?: number;
  readonly prunedAt?: number;
  readonly reason?: string;
  readonly sampler?: string;
  /** The parameters: typed values of the study's space, or every run param (numbers parsed). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly metrics: Readonly<Record<string, Latest>>;
  /** The values the pruner saw, by step (from the HPO service; empty without it). */
  readonly intermediate: readonly (readonly [number, number])[];
  readonly startTime: number;
  readonly endTime?: number;
}

/** A study (or a selection of runs) as a page shows it. */
export interface Study {
  readonly name: string;
  /** The parent run, for a study tracked by the HPO service. */
  readonly runId?: string;
  /** The HPO service's study id (`hpo.study_id`), to ask it for the live view. */
  readonly studyId?: string;
  readonly direction: Direction;
  /** The name of the objective: the study's metric (e.g. val_rmse), else "objective". */
  readonly metric: string;
  readonly space?: SearchSpace;
  readonly maxTrials?: number;
  readonly sampler?: string;
  readonly pruner?: string;
  /** True when the HPO service's view was merged in (live states and intermediate values). */
  readonly live: boolean;
  /** The parameters' importances the HPO service's view sent (PED-ANOVA over its complete trials). */
  readonly importances?: Record<string, number>;
  /** No trial will start or end any more. */
  readonly finished: boolean;
  /** Its run has ended too: the HPO service writes the report and then ends the parent run. */
  readonly closed: boolean;
  readonly startTime: number;
  readonly trials: readonly Trial[];
}

const tagOf = (run: Run, key: string): string | undefined => run.data.tags?.find((t) => t.key === key)?.value;

function json<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A param value as logged (always text in MLflow) back to a number where it reads as one. */
export function parseParam(v: string): ParamValue {
  const t = v.trim();
  return t !== '' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : v;
}

/** MLflow's status of a run in trial terms (a pruned trial's run is KILLED). */
export function stateOfStatus(status: string): TrialState {
  if (status === 'FINISHED') return 'complete';
  if (status === 'KILLED') return 'pruned';
  if (status === 'FAILED') return 'failed';
  return 'running';
}

function latestOf(run: Run): Record<string, Latest> {
  const out: Record<string, Latest> = {};
  for (const m of run.data.metrics ?? []) out[m.key] = { value: Number(m.value), step: Number(m.step ?? 0) };
  return out;
}

const STATES: readonly string[] = ['running', 'complete', 'pruned', 'failed'];

/** One trial from its run and, if known, the HPO service's record of it. */
function trialOf(run: Run, metric: string, space: SearchSpace | undefined, hpo: TrialInfo | undefined): Trial {
  const metrics = latestOf(run);
  const tagState = tagOf(run, TAG.state);
  const state: TrialState = hpo?.state ?? (tagState && STATES.includes(tagState) ? (tagState as TrialState) : stateOfStatus(run.info.status));
  const intermediate = hpo ? Object.entries(hpo.intermediate).map(([s, v]) => [Number(s), v] as const).sort((a, b) => a[0] - b[0]) : [];
  // Without the service, the last report is the last point of the study's metric in the run.
  const prunedAt = state === 'pruned' ? (hpo ? lastStep(hpo.intermediate) : metrics[metric]?.step) : undefined;
  const reason = state === 'failed' ? tagOf(run, TRIAL_TAGS.reason) : undefined;
  const own = hpo as (TrialInfo & { readonly sampler?: unknown }) | undefined;
  const sampler = typeof own?.sampler === 'string' ? own.sampler : (tagOf(run, TRIAL_TAGS.sampler) ?? run.data.params?.find((p) => p.key === TRIAL_TAGS.sampler)?.value);
  const typed = hpo?.params ?? json<Record<string, ParamValue>>(readLongTag((k) => tagOf(run, k), TAG.params));
  const logged = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, parseParam(p.value)]));
  const params = space ? Object.fromEntries(Object.keys(space).flatMap((k) => (typed?.[k] ?? logged[k]) === undefined ? [] : [[k, typed?.[k] ?? logged[k]!]])) : logged;
  const numberTag = Number(tagOf(run, TAG.trialNumber));
  const number = hpo?.number ?? (Number.isInteger(numberTag) && tagOf(run, TAG.trialNumber) !== undefined ? numberTag : undefined);
  const value = hpo?.value ?? metrics['objective']?.value ?? (state === 'complete' || state === 'pruned' ? metrics[metric]?.value : undefined);
  return {
    runId: run.info.run_id,
    name: run.info.run_name,
    ...(number !== undefined ? { number } : {}),
    state,
    words: stateWords({ state, prunedAt, reason }),
    ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
    ...(prunedAt !== undefined ? { prunedAt } : {}),
    ...(reason ? { reason } : {}),
    ...(sampler ? { sampler } : {}),
    params,
    metrics,
    intermediate,
    startTime: Number(run.info.start_time),
    ...(run.info.end_time ? { endTime: Number(run.info.end_time) } : {}),
  };
}

/**
 * The study of a parent run: its trial runs merged with the HPO service's view when there is one
 * (its states are newer than tracking's, and only it has the values the pruner saw). Without a
 * parent (a selection of runs to compare) every run is a "trial" named by its status.
 */
export function buildStudy(parent: Run | undefined, children: readonly Run[], hpo?: StudyDetail): Study {
  const ptag = (k: string) => (parent ? tagOf(parent, k) : undefined);
  const spec = json<{ maxTrials?: number; pruner?: { name?: string } }>(parent ? readLongTag(ptag, TAG.spec) : undefined);
  const space = hpo?.space ?? json<SearchSpace>(parent ? readLongTag(ptag, TAG.space) : undefined);
  const direction: Direction = hpo?.direction ?? (ptag(TAG.direction) === 'maximize' ? 'maximize' : 'minimize');
  const metric = hpo?.metric ?? ptag(TAG.metric) ?? 'objective';
  const byRun = new Map((hpo?.trials ?? []).filter((t) => t.runId).map((t) => [t.runId!, t]));
  const byNumber = new Map((hpo?.trials ?? []).map((t) => [t.number, t]));
  const trials = children.map((run) => {
    const n = Number(tagOf(run, TAG.trialNumber));
    return trialOf(run, metric, space, byRun.get(run.info.run_id) ?? (Number.isInteger(n) ? byNumber.get(n) : undefined));
  });
  trials.sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || a.startTime - b.startTime);
  const maxTrials = hpo?.maxTrials ?? spec?.maxTrials;
  const finished = hpo ? hpo.state === 'finished' : parent ? parent.info.status !== 'RUNNING' : trials.every((t) => t.state !== 'running');
  return {
    name: hpo?.name ?? ptag(TAG.study) ?? parent?.info.run_name ?? 'selected runs',
    ...(parent ? { runId: parent.info.run_id } : {}),
    ...(hpo || ptag(TAG.studyId) ? { studyId: String(hpo?.id ?? ptag(TAG.studyId)) } : {}),
    direction,
    metric,
    ...(space ? { space } : {}),
    ...(maxTrials !== undefined ? { maxTrials } : {}),
    ...((hpo?.sampler.name ?? ptag(TAG.sampler)) ? { sampler: hpo?.sampler.name ?? ptag(TAG.sampler) } : {}),
    ...((hpo?.pruner.name ?? ptag(TAG.pruner) ?? spec?.pruner?.name) ? { pruner: hpo?.pruner.name ?? ptag(TAG.pruner) ?? spec?.pruner?.name } : {}),
    live: hpo !== undefined,
    ...(hpo?.importances ? { importances: hpo.importances } : {}),
    finished,
    closed: parent ? finished && parent.info.status !== 'RUNNING' : finished,
    startTime: parent ? Number(parent.info.start_time) : Math.min(...trials.map((t) => t.startTime)),
    trials,
  };
}

/** True when `a` is a better objective value than `b` in this direction. */
export function better(direction: Direction, a: number, b: number): boolean {
  return direction === 'maximize' ? a > b : a < b;
}

/** The best complete trial (lowest number on ties), if any. */
export function bestTrial(study: Study): Trial | undefined {
  let best: Trial | undefined;
  for (const t of study.trials) {
    if (t.state !== 'complete' || t.value === undefined) continue;
    if (!best || better(study.direction, t.value, best.value!)) best = t;
  }
  return best;
}
