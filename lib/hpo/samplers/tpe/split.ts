import type { Direction, FrozenTrial } from '../../types';

/** The trials a TPE ask learns from, split into the good group ("below") and the rest ("above"). */
export interface TrialSplit {
  readonly below: FrozenTrial[];
  readonly above: FrozenTrial[];
}

function lastStep(t: FrozenTrial): number {
  let s = -Infinity;
  for (const k of t.intermediate.keys()) if (k > s) s = k;
  return s;
}

/**
 * Ranks finished trials best first — complete trials by value, then pruned trials by how far
 * they got and their last value — and takes the first `nBelow` as good. Running trials, when
 * `constantLiar` is on, join the bad group as if they had the worst value, so parallel asks are
 * pushed away from points that are already being evaluated.
 */
export function splitTrials(trials: readonly FrozenTrial[], direction: Direction, nBelow: number, constantLiar: boolean): TrialSplit {
  const sign = direction === 'minimize' ? 1 : -1;
  const complete = trials.filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value));
  complete.sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
  const pruned = trials.filter((t) => t.state === 'pruned');
  const pstep = new Map(pruned.map((t) => [t.number, lastStep(t)]));
  pruned.sort((a, b) => {
    const ds = pstep.get(b.number)! - pstep.get(a.number)!;
    if (ds !== 0) return ds;
    const va = a.value ?? (sign > 0 ? Infinity : -Infinity);
    const vb = b.value ?? (sign > 0 ? Infinity : -Infinity);
    return sign * (va - vb) || a.number - b.number;
  });
  const ranked = [...complete, ...pruned];
  const below = ranked.slice(0, nBelow);
  const above = ranked.slice(nBelow);
  if (constantLiar) for (const t of trials) if (t.state === 'running') above.push(t);
  below.sort((a, b) => a.number - b.number);
  above.sort((a, b) => a.number - b.number);
  return { below, above };
}
