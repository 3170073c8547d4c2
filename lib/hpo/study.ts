import type { BestTrial, StudyDetail, StudyInfo, TrialInfo } from './api';
import { pedAnovaImportances } from './report/importance';
import type { ResolvedStudySpec } from './spec';
export type { BestModel, BestTrial, StudyDetail, StudyInfo, TrialInfo } from './api';
import type { QueuedParams, StoredStudy, StoredTrial } from './storage/sqlite';
import type { Pruner, Sampler, TrialState } from './types';
import { isBetter } from './types';

/** The live state of one study in the service: stored rows plus its sampler, pruner and heartbeats. */
export class StudyRuntime {
  /** Last sign of life of each running trial (epoch ms); not stored: a restart gives every running trial a fresh timeout. */
  readonly lastSeen = new Map<number, number>();

  constructor(
    readonly row: StoredStudy,
    readonly trials: StoredTrial[],
    readonly sampler: Sampler,
    readonly pruner: Pruner,
    /** Enqueued parameter sets not yet handed out, oldest first. */
    readonly queue: QueuedParams[] = [],
  ) {}

  /** The validated spec. */
  get spec(): ResolvedStudySpec {
    return this.row.spec;
  }

  /**
   * Trials handed out so far, failed ones included: a failed trial does not free its slot, so a
   * training that always crashes cannot make a study ask forever. Trials seeded from another
   * study were not run here and do not count.
   */
  handedOut(): number {
    let n = 0;
    for (const t of this.trials) if (t.sampler !== SEEDED) n++;
    return n;
  }

  /** Trials seeded from an earlier study (`fromStudy`). */
  seeded(): number {
    return this.trials.length - this.handedOut();
  }

  /** True when maxTrials trials are handed out and none is running any more. */
  isComplete(): boolean {
    const max = this.spec.maxTrials;
    if (max === undefined || this.handedOut() < max) return false;
    return this.trials.every((t) => t.state !== 'running');
  }

  /** The best complete trial (lowest number on ties), or null. */
  best(): BestTrial | null {
    let best: StoredTrial | undefined;
    for (const t of this.trials) {
      if (t.state !== 'complete' || t.value === undefined) continue;
      if (!best || isBetter(this.spec.direction, t.value, best.value!)) best = t;
    }
    return best ? { number: best.number, value: best.value!, params: best.params } : null;
  }

  /** The list entry. */
  info(): StudyInfo {
    const counts: Record<TrialState, number> = { running: 0, complete: 0, pruned: 0, failed: 0 };
    for (const t of this.trials) counts[t.state]++;
    const best = this.best();
    const spec = this.spec;
    return {
      id: this.row.id,
      name: this.row.name,
      direction: spec.direction,
      sampler: { ...spec.sampler, seed: this.row.seed },
      pruner: spec.pruner ?? { name: 'none' },
      ...(spec.maxTrials !== undefined ? { maxTrials: spec.maxTrials } : {}),
      ...(spec.metric !== undefined ? { metric: spec.metric } : {}),
      state: this.isComplete() ? 'finished' : 'running',
      counts,
      ...(best ? { bestValue: best.value } : {}),
      ...(this.row.parentRunId ? { parentRunId: this.row.parentRunId } : {}),
      createdAt: this.row.createdAt,
      ...(this.sampler.choice ? { samplerChoice: { name: this.sampler.choice.name, reason: this.sampler.choice.reason } } : {}),
      ...(this.queue.length > 0 ? { queued: this.queue.length } : {}),
      ...(spec.fromStudy !== undefined ? { warmStart: { fromStudy: spec.fromStudy, seeded: this.seeded() } } : {}),
    };
  }

  /** The full view with every trial. */
  detail(): StudyDetail {
    const bestModel = this.row.bestModel;
    const trials = this.trials.map(trialInfo);
    return { ...this.info(), space: this.spec.space, best: this.best(), ...(bestModel ? { bestModel } : {}), importances: this.importances(trials), trials };
  }

  private kept: { readonly key: string; readonly values: Record<string, number> } | undefined;

  /**
   * The PED-ANOVA importances over the complete trials, computed again only when those changed (a
   * view is asked for every few seconds while a study page is open; a trial's completion is final).
   */
  private importances(trials: readonly TrialInfo[]): Record<string, number> {
    let n = 0;
    let numbers = 0;
    let values = 0;
    for (const t of this.trials) {
      if (t.state !== 'complete' || t.value === undefined) continue;
      n++;
      numbers += t.number;
      values += t.value;
    }
    const key = `${n} ${numbers} ${values}`;
    if (this.kept?.key !== key) this.kept = { key, values: pedAnovaImportances({ space: this.spec.space, direction: this.spec.direction, trials }) };
    return this.kept.values;
  }
}

/** The API view of a stored trial. */
export function trialInfo(t: StoredTrial): TrialInfo {
  const intermediate: Record<string, number> = {};
  for (const [s, v] of t.intermediate) intermediate[String(s)] = v;
  return {
    number: t.number,
    state: t.state,
    params: t.params,
    ...(t.value !== undefined ? { value: t.value } : {}),
    intermediate,
    ...(t.runId ? { runId: t.runId } : {}),
    startedAt: t.startedAt,
    ...(t.endedAt !== undefined ? { endedAt: t.endedAt } : {}),
    ...(t.sampler !== undefined ? { sampler: t.sampler } : {}),
  };
}

/** The sampler label of trials copied from an earlier study. */
export const SEEDED = 'from-study';

/** The sampler label of trials handed out from the queue. */
export const ENQUEUED = 'enqueued';
