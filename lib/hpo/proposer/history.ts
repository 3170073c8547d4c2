import type { SampleContext } from '../types';

/**
 * Everything of a context a sampler may read but the space and the rng (the study's, and a function
 * of the number): two asks with equal keys get equal proposals, so a proposal computed ahead for one
 * key may be handed to an ask with the same key.
 */
export function historyKey(ctx: Pick<SampleContext, 'direction' | 'number' | 'trials'>): string {
  const trials = ctx.trials.map((t) => [t.number, t.state, t.value ?? 'none', t.params, t.memo ?? 'none']);
  // Non-finite values would all print as null in JSON; spell them out so that they stay distinct.
  return JSON.stringify([ctx.direction, ctx.number, trials], (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}
