import type { Rng } from './rng';
import type { Params, SearchSpace } from './space';

/** Whether smaller or larger objective values are better. */
export type Direction = 'minimize' | 'maximize';

/** The life cycle of a trial: handed out (running), then told complete, pruned or failed. */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

/** A trial as samplers and pruners see it (read-only). */
export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  /** The final objective value (complete trials; pruned trials keep their last reported value). */
  readonly value?: number;
  /** Reported intermediate values by step, in the order reported. */
  readonly intermediate: ReadonlyMap<number, number>;
  /** Which sampler produced the params ("gp", "tpe-startup", "enqueued", "from-study", ...). @default - unknown */
  readonly sampler?: string;
  /** What the sampler kept with this trial for later asks (e.g. fitted GP hyperparameters). @default - none */
  readonly memo?: SamplerMemo;
}

/** Small JSON state a sampler stores with the trial it proposed and reads back on later asks. */
export type SamplerMemo = Readonly<Record<string, readonly number[]>>;

/** A sampler's proposal: the params, which (sub-)sampler chose them, and what to store with the trial. */
export interface Proposal {
  readonly params: Params;
  /** Label recorded per trial, e.g. "gp" or "gp-startup". */
  readonly by: string;
  /** Stored with the trial and handed back in later asks' `trials`. @default - nothing stored */
  readonly memo?: SamplerMemo;
}

/** Which sampler an automatic choice made for a study, and why (shown in the study and its report). */
export interface SamplerChoice {
  readonly name: string;
  readonly reason: string;
}

/** What a sampler is given for one ask. */
export interface SampleContext {
  readonly space: SearchSpace;
  readonly direction: Direction;
  /** Every trial of the study so far (any state), in number order, not including the new one. */
  readonly trials: readonly FrozenTrial[];
  /** The number the new trial will get. */
  readonly number: number;
  /** Seeded from the study seed and the trial number: same seed + same history → same params. */
  readonly rng: Rng;
}

/** Suggests the parameters of the next trial. */
export interface Sampler {
  /** The sampler's name as in the study spec. */
  readonly name: string;
  /** Proposes the next params, or undefined when the sampler has nothing left (grid exhausted). */
  sample(ctx: SampleContext): Params | undefined;
  /** Like sample, with the label and memo to store with the trial. @default - sample() labelled with the sampler's name */
  propose?(ctx: SampleContext): Proposal | undefined;
  /** For a sampler that chooses another one (auto): what it chose and why. @default - none */
  readonly choice?: SamplerChoice;
  /**
   * True when propose(ctx) costs enough (tens of ms) for the service to compute it on its proposal
   * thread, from a copy of ctx, and ahead of the ask after a tell. Such a sampler must be a pure
   * function of its spec, seed and ctx: a sampler rebuilt from them proposes the same. @default - never
   */
  heavy?(ctx: SampleContext): boolean;
}

/** What a pruner is given when a running trial reports an intermediate value. */
export interface PruneContext {
  readonly direction: Direction;
  /** The reporting trial, with the new value already in `intermediate`. */
  readonly trial: FrozenTrial;
  /** The step just reported. */
  readonly step: number;
  /** Every trial of the study (the reporting one included). */
  readonly trials: readonly FrozenTrial[];
}

/** Decides, on each report, whether a running trial should stop early. */
export interface Pruner {
  /** The pruner's name as in the study spec. */
  readonly name: string;
  /** True when the trial should be pruned now. */
  shouldPrune(ctx: PruneContext): boolean;
}

/** Returns true when a is better than b for the direction. */
export function isBetter(direction: Direction, a: number, b: number): boolean {
  return direction === 'minimize' ? a < b : a > b;
}
