import type { FrozenTrial, PruneContext, Pruner } from '../types';
import { isBetter } from '../types';

/** Options of asynchronous successive halving (study spec `pruner: {name: "asha", ...}`). */
export interface AshaOptions {
  /** The step of the first rung. @default 1 */
  readonly minResource?: number;
  /** Each rung keeps the best 1/reductionFactor and sits reductionFactor times further. @default 3 */
  readonly reductionFactor?: number;
  /** Skip the first rungs: rung k sits at minResource · rf^(k + minEarlyStoppingRate). @default 0 */
  readonly minEarlyStoppingRate?: number;
  /** Number of rungs; beyond the last a trial is never pruned. @default unlimited */
  readonly rungs?: number;
}

/**
 * Asynchronous successive halving (Li et al. 2020). Rung k sits at step
 * minResource · rf^(k+s). When a trial first reports a step at or past a rung, its value there is
 * compared with the values every trial had at that rung: it goes on only if it ranks within the
 * top 1/rf of them (the single best while fewer than rf trials have reached the rung). Decisions
 * are made from the reported values alone, so they survive a service restart.
 */
export class AshaPruner implements Pruner {
  readonly name = 'asha';
  private readonly minResource: number;
  private readonly rf: number;
  private readonly s: number;
  private readonly rungs: number;

  constructor(opts: AshaOptions = {}) {
    this.minResource = opts.minResource ?? 1;
    this.rf = opts.reductionFactor ?? 3;
    this.s = opts.minEarlyStoppingRate ?? 0;
    this.rungs = opts.rungs ?? Infinity;
  }

  /** The step of rung k. */
  rungStep(k: number): number {
    return this.minResource * Math.pow(this.rf, k + this.s);
  }

  /** True when the trial just reached a rung and is not in its top 1/rf. */
  shouldPrune(ctx: PruneContext): boolean {
    const { trial, step, direction } = ctx;
    // The highest rung this report reaches for the first time.
    let k = -1;
    for (let r = 0; r < this.rungs && this.rungStep(r) <= step; r++) k = r;
    if (k < 0) return false;
    const rung = this.rungStep(k);
    if (firstStepAtOrAfter(trial, rung) !== step) return false;
    const mine = trial.intermediate.get(step)!;
    if (Number.isNaN(mine)) return true;
    const competing: number[] = [];
    for (const t of ctx.trials) {
      const s = firstStepAtOrAfter(t, rung);
      if (s === undefined) continue;
      const v = t.intermediate.get(s)!;
      if (!Number.isNaN(v)) competing.push(v);
    }
    competing.sort((a, b) => (direction === 'minimize' ? a - b : b - a));
    const keep = Math.max(1, Math.floor(competing.length / this.rf));
    return isBetter(direction, competing[keep - 1]!, mine);
  }
}

/** The first reported step >= rung, or undefined if the trial has not got there. */
function firstStepAtOrAfter(t: FrozenTrial, rung: number): number | undefined {
  let first: number | undefined;
  for (const s of t.intermediate.keys()) if (s >= rung && (first === undefined || s < first)) first = s;
  return first;
}
