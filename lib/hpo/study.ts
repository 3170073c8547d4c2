import type { Params, SearchSpace } from './space';
import type { PrunerSpec, SamplerSpec, ResolvedStudySpec } from './spec';
import type { StoredStudy, StoredTrial } from './storage/sqlite';
import type { Direction, Pruner, Sampler, TrialState } from './types';
import { isBetter } from './types';

/** A trial as the API shows it. */
export interface TrialInfo {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  readonly value?: number;
  /** Intermediate values by step. */
  readonly intermediate: Record<string, number>;
  readonly runId?: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly endedAt?: number;
}

/** The best complete trial. */
export interface BestTrial {
  readonly number: number;
  readonly value: number;
  readonly params: Params;
}

/** A study in `GET /api/v1/studies`. */
export interface StudyInfo {
  readonly id: number;
  readonly name: string;
  readonly direction: Direction;
  readonly sampler: SamplerSpec & { seed: number };
  readonly pruner: PrunerSpec;
  readonly maxTrials?: number;
  readonly metric?: string;
  /** "finished" once maxTrials trials are told. */
  readonly state: 'running' | 'finished';
  readonly counts: Record<TrialState, number>;
  readonly bestValue?: number;
  readonly parentRunId?: string;
  readonly createdAt: number;
}

/**
 * The study's best model once the study has ended with tracking: the best trial's model copied
 * to the parent run (`runs:/<runId>/<artifactPath>`) and, where the tracking server has a model
 * registry, the registered version (`models:/<name>/<version>`).
 */
export interface BestModel {
  /** The parent run holding the copy. */
  readonly runId: string;
  /** Artifact directory on that run: "best_model". */
  readonly artifactPath: string;
  /** `runs:/<runId>/<artifactPath>` */
  readonly uri: string;
  readonly registeredModel?: { readonly name: string; readonly version: string; readonly uri: string };
}

/** A study in `GET /api/v1/studies/{id}`: its info, space, best trial and every trial. */
export interface StudyDetail extends StudyInfo {
  readonly space: SearchSpace;
  readonly best: BestTrial | null;
  /** Absent until the ended study's best model is promoted (never without a tracking server). */
  readonly bestModel?: BestModel;
  readonly trials: TrialInfo[];
}

/** The live state of one study in the service: stored rows plus its sampler, pruner and heartbeats. */
export class StudyRuntime {
  /** Last sign of life of each running trial (epoch ms); not stored: a restart gives every running trial a fresh timeout. */
  readonly lastSeen = new Map<number, number>();

  constructor(
    readonly row: StoredStudy,
    readonly trials: StoredTrial[],
    readonly sampler: Sampler,
    readonly pruner: Pruner,
  ) {}

  /** The validated spec. */
  get spec(): ResolvedStudySpec {
    return this.row.spec;
  }

  /**
   * Trials handed out so far, failed ones included: a failed trial does not free its slot, so a
   * training that always crashes cannot make a study ask forever.
   */
  handedOut(): number {
    return this.trials.length;
  }

  /** True when maxTrials trials are handed out and none is running any more. */
  isComplete(): boolean {
    const max = this.spec.maxTrials;
    if (max === undefined || this.trials.length < max) return false;
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
    };
  }

  /** The full view with every trial. */
  detail(): StudyDetail {
    const bestModel = this.row.bestModel;
    return { ...this.info(), space: this.spec.space, best: this.best(), ...(bestModel ? { bestModel } : {}), trials: this.trials.map(trialInfo) };
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
  };
}
