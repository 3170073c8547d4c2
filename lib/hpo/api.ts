// The HPO API v1 on the wire (DESIGN.md): the shapes the service answers and the client, the
// providers and the runtime read. Client and service both import them from here, so neither
// depends on the other's side.
import type { Params, SearchSpace } from './space';
import type { PrunerSpec, SamplerSpec } from './spec';
import type { Direction, SamplerChoice, TrialState } from './types';

export type { StudySpecInput } from './spec';
/** The space format of API v1 (DESIGN.md), for clients that check a space against their own schema. */
export type { ParamSpec, SearchSpace } from './space';

/** What the service answers to an ask. */
export interface TrialAsk {
  readonly number: number;
  readonly params: Params;
  /** The tracking run the worker logs training metrics into (with --tracking). */
  readonly runId?: string;
}

/** The answer of a tell sent with `next: {}` (tell-and-ask): the next trial, or null when the study has none left. */
export interface TellAndAskResult {
  readonly ok: true;
  readonly next: TrialAsk | null;
}

/** Final states a worker may tell. */
export type TellState = 'complete' | 'fail' | 'pruned';

/** The answer of a completed rendezvous. */
export interface RendezvousResult {
  readonly rank: number;
  readonly worldSize: number;
  /** Member addresses ordered by rank. */
  readonly peers: string[];
}

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
  /** Which sampler produced the params: "gp", "gp-startup", "tpe", "tpe-startup", "random", "grid", "enqueued" or "from-study". */
  readonly sampler?: string;
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
  /** With `sampler: auto`: the sampler it chose for this space and why. */
  readonly samplerChoice?: SamplerChoice;
  /** Parameter sets enqueued and not yet handed out. */
  readonly queued?: number;
  /** With `fromStudy`: the study whose complete trials seeded this one, and how many did (they do not count towards maxTrials). */
  readonly warmStart?: { readonly fromStudy: string; readonly seeded: number };
}

/** The answer of `POST /api/v1/studies/{id}/enqueue`. */
export interface EnqueueResult {
  /** Parameter sets added by this request (fewer than sent with skipIfExists). */
  readonly enqueued: number;
  /** Sets now waiting in the queue. */
  readonly queued: number;
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
  /**
   * Each parameter's importance by PED-ANOVA over the complete trials, as the study's report shows
   * them (summing to 1; all 0 before 4 trials are complete). Absent from services older than it.
   */
  readonly importances?: Record<string, number>;
  readonly trials: TrialInfo[];
}
