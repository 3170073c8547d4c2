import type { Proposal, SampleContext } from '../types';

/**
 * A sampler's next proposal computed ahead of the ask that needs it (the engine calls `prefetch`
 * between requests, after a tell), handed out only when the ask's history is exactly the one it
 * was computed from. A proposal is a function of the space, the direction, the trial number, the
 * trials and the rng seeded by the study seed and that number, so this changes when the work is
 * done, never what it yields: any change in between (another ask, a tell, a heartbeat timeout)
 * makes the key differ and the ask computes afresh.
 */
export class ProposalCache<P extends Proposal | undefined = Proposal | undefined> {
  private ready: { readonly key: string; readonly space: unknown; readonly proposal: P } | undefined;
  /** Proposals served from a prefetch, for tests and benchmarks. */
  hits = 0;

  /** @param compute the sampler's own proposal for a context */
  constructor(private readonly compute: (ctx: SampleContext) => P) {}

  /** Computes and keeps the proposal for ctx (a context the engine built exactly as ask will). */
  prefetch(ctx: SampleContext): void {
    this.ready = { key: historyKey(ctx), space: ctx.space, proposal: this.compute(ctx) };
  }

  /** The prefetched proposal when ctx's history is the one it was computed from, else a fresh one. */
  propose(ctx: SampleContext): P {
    const ready = this.ready;
    this.ready = undefined;
    if (ready && ready.space === ctx.space && ready.key === historyKey(ctx)) {
      this.hits++;
      return ready.proposal;
    }
    return this.compute(ctx);
  }
}

/** Everything of a context a sampler may read, but the space (compared by identity) and the rng (a function of the number). */
function historyKey(ctx: SampleContext): string {
  const trials = ctx.trials.map((t) => [t.number, t.state, t.value ?? 'none', t.params, t.memo ?? 'none']);
  // Non-finite values would all print as null in JSON; spell them out so that they stay distinct.
  return JSON.stringify([ctx.direction, ctx.number, trials], (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}
