import type { PruneContext, Pruner } from '../types';
import { isBetter } from '../types';

/** Options of the median pruner (study spec `pruner: {name: "median", ...}`). */
export interface MedianOptions {
  /** Never prune before this many trials are complete. @default 5 */
  readonly nStartupTrials?: number;
  /** Never prune a trial before it reports this step. @default 0 */
  readonly nWarmupSteps?: number;
  /** Judge only every this many steps after warm-up. @default 1 */
  readonly intervalSteps?: number;
}

/**
 * Prunes a trial whose best value so far is worse than the median of the values that
 * completed trials reported at the same step (Optuna's MedianPruner; Golovin et al. 2017).
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  private readonly nStartup: number;
  private readonly nWarmup: number;
  private readonly interval: number;

  constructor(opts: MedianOptions = {}) {
    this.nStartup = opts.nStartupTrials ?? 5;
    this.nWarmup = opts.nWarmupSteps ?? 0;
    this.interval = opts.intervalSteps ?? 1;
  }

  /** True when the trial's best so far is worse than the median at this step. */
  shouldPrune(ctx: PruneContext): boolean {
    const { step, trial, direction } = ctx;
    if (step < this.nWarmup || (step - this.nWarmup) % this.interval !== 0) return false;
    const complete = ctx.trials.filter((t) => t.state === 'complete' && t.number !== trial.number);
    if (complete.length < this.nStartup) return false;
    const atStep: number[] = [];
    for (const t of complete) {
      const v = t.intermediate.get(step);
      if (v !== undefined && !Number.isNaN(v)) atStep.push(v);
    }
    if (atStep.length === 0) return false;
    let best = NaN;
    for (const v of trial.intermediate.values()) if (Number.isNaN(best) || isBetter(direction, v, best)) best = v;
    if (Number.isNaN(best)) return true;
    atStep.sort((a, b) => a - b);
    const m = atStep.length >> 1;
    const median = atStep.length % 2 ? atStep[m]! : (atStep[m - 1]! + atStep[m]!) / 2;
    return isBetter(direction, median, best);
  }
}
