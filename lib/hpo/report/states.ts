import type { TrialState } from '../types';

/** What the study knows of how a trial ended (or that it has not). */
export interface TrialOutcome {
  readonly state: TrialState;
  /** The last step the pruner saw, for a pruned trial. */
  readonly prunedAt?: number;
  /** Why a failed trial failed (the run's `dojo.failure_reason` tag). */
  readonly reason?: string;
}

/** The last step of a trial's intermediate values (what the pruner saw last), if any. */
export function lastStep(intermediate: Readonly<Record<string, number>>): number | undefined {
  let last: number | undefined;
  for (const k of Object.keys(intermediate)) {
    const s = Number(k);
    if (Number.isFinite(s) && (last === undefined || s > last)) last = s;
  }
  return last;
}

/** A failure reason on one line, cut to `max` characters (the full text stays in the run's tag). */
export function shortReason(reason: string, max = 160): string {
  const line = reason.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A trial's state in the study's words: "complete", "pruned at step 400", "failed: <reason>",
 * "running" — rather than MLflow's run statuses, where a pruned trial reads KILLED.
 */
export function stateWords(t: TrialOutcome): string {
  switch (t.state) {
    case 'complete':
      return 'complete';
    case 'running':
      return 'running';
    case 'pruned':
      return t.prunedAt === undefined ? 'pruned' : `pruned at step ${t.prunedAt}`;
    case 'failed':
      return t.reason ? `failed: ${shortReason(t.reason)}` : 'failed';
  }
}
