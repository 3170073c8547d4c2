// The messages between the HPO service and its proposal thread (proposer.ts ↔ thread.ts). Trials
// travel by structured clone, which keeps what JSON would lose: non-finite values and the Map of
// intermediate values.
import type { ResolvedStudySpec } from '../spec';
import type { Direction, FrozenTrial, Proposal } from '../types';

/** One proposal to compute: the study (its sampler is rebuilt from spec and seed) and the context of the ask. */
export interface ProposeRequest {
  readonly id: number;
  /** Computed ahead of an ask (after a tell): skipped when a later request of the same study is already queued. */
  readonly ahead: boolean;
  readonly study: { readonly id: number; readonly spec: ResolvedStudySpec; readonly seed: number };
  readonly direction: Direction;
  readonly number: number;
  readonly trials: readonly FrozenTrial[];
}

/** The thread's answer to a ProposeRequest of the same id. */
export type ProposeReply =
  | { readonly id: number; readonly kind: 'proposal'; readonly proposal: Proposal | undefined }
  | { readonly id: number; readonly kind: 'skipped' }
  | { readonly id: number; readonly kind: 'error'; readonly message: string };

/** Only what a sampler may read of a trial (FrozenTrial), so nothing else is cloned. */
export function frozen(t: FrozenTrial): FrozenTrial {
  return {
    number: t.number,
    state: t.state,
    params: t.params,
    intermediate: t.intermediate,
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.sampler !== undefined ? { sampler: t.sampler } : {}),
    ...(t.memo !== undefined ? { memo: t.memo } : {}),
  };
}
