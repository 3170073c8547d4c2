import type { Params } from '../../space';
import type { FrozenTrial, Proposal, SampleContext, Sampler } from '../../types';
import { maximizeLogEi, type AcquisitionOptions } from './acquisition';
import { decodeParams as decodeSpaceParams, encodeParams, encodeSpace, fromUniform, type GpSpace } from './encode';
import { fitKernel, type FitOptions } from './fit';
import { lhsRow } from './lhs';
import { GpPosterior } from './posterior';
import { decodeParams as decodeKernel } from './prior';

/** Options of the GP sampler (study spec `sampler: {name: "gp", ...}`). */
export interface GpOptions {
  /** Trials from a Latin hypercube before the model is used. @default 10 */
  readonly nStartupTrials?: number;
  /** Running trials enter the model at their predicted mean ("kriging believer"), so parallel asks spread out. @default true */
  readonly constantLiar?: boolean;
  /** Quasi-random candidates scored per ask before the local searches. @default 1024 (512 and 2048 with 10 local searches were worse on Levy-10 in bench/hpo/regret.ts) */
  readonly nCandidates?: number;
  /** How hard each ask maximises the acquisition beyond the candidate count (acquisition.ts). @default - its defaults */
  readonly acquisition?: Omit<AcquisitionOptions, 'nCandidates'>;
  /** How the kernel is fitted (fit.ts); the sampler decides the warm start and the restarts. @default - its defaults */
  readonly fit?: Omit<FitOptions, 'warmStart' | 'randomRestarts'>;
}

/** The memo key of the fitted raw kernel hyperparameters. */
const MEMO_KEY = 'gp';

/**
 * Gaussian-process Bayesian optimisation (Matérn-5/2 ARD kernel, MAP hyperparameters, log EI).
 * Each ask:
 * 1. while fewer than nStartupTrials trials are complete, hand out rows of a Latin hypercube;
 * 2. encode complete trials into the unit cube, standardise their values (to maximise);
 * 3. fit the kernel's lengthscales, signal and noise variance (warm-started from the fit stored
 *    with the latest trial, so a restarted service continues from the stored trials exactly);
 * 4. add running trials at their predicted mean (kriging believer), so parallel asks spread out;
 * 5. maximise log EI (random + local candidates, gradient refinement, discrete coordinate moves).
 */
export class GpSampler implements Sampler {
  readonly name = 'gp';
  private readonly nStartup: number;
  private readonly constantLiar: boolean;
  private readonly nCandidates: number;
  private readonly acquisition: Omit<AcquisitionOptions, 'nCandidates'>;
  private readonly fit: Omit<FitOptions, 'warmStart' | 'randomRestarts'>;
  private encoded: { space: unknown; gs: GpSpace } | undefined;

  /** @param seed the study seed (fixes the startup design) */
  constructor(
    private readonly seed: number,
    opts: GpOptions = {},
  ) {
    this.nStartup = opts.nStartupTrials ?? 10;
    this.constantLiar = opts.constantLiar ?? true;
    this.nCandidates = opts.nCandidates ?? 1024;
    this.acquisition = opts.acquisition ?? {};
    this.fit = opts.fit ?? {};
  }

  /** The params of `propose`. */
  sample(ctx: SampleContext): Params {
    return this.propose(ctx).params;
  }

  /** Proposes the next params, labelled "gp" (or "gp-startup") with the fitted hyperparameters as memo. */
  propose(ctx: SampleContext): Proposal {
    return this.compute(ctx);
  }

  /** True once the model is fitted (nStartupTrials complete trials): tens of ms, worth computing off the service's event loop. */
  heavy(ctx: SampleContext): boolean {
    let complete = 0;
    for (const t of ctx.trials) if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) complete++;
    return complete >= this.nStartup;
  }

  private compute(ctx: SampleContext): Proposal {
    const gs = this.space(ctx);
    const d = gs.dims.length;
    const complete: FrozenTrial[] = [];
    const pending: FrozenTrial[] = [];
    const row = new Float64Array(d);
    for (const t of ctx.trials) {
      if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value) && encodeParams(gs, t.params, row)) complete.push(t);
      else if (t.state === 'running' && encodeParams(gs, t.params, row)) pending.push(t);
    }
    if (complete.length < this.nStartup) return { params: this.startup(ctx, gs), by: 'gp-startup' };
    const n = complete.length;
    const x = new Float64Array(n * d);
    const y = new Float64Array(n);
    const sign = ctx.direction === 'minimize' ? -1 : 1;
    for (let i = 0; i < n; i++) {
      encodeParams(gs, complete[i]!.params, row);
      x.set(row, i * d);
      y[i] = sign * complete[i]!.value!;
    }
    standardise(y);
    const warm = lastMemo(ctx.trials, d + 2);
    // Without a stored fit, or every 10 trials, extra starts (the default point and random ones) look for a better optimum.
    const restarts = warm ? (ctx.number % 10 === 0 ? 2 : 0) : 2;
    const fit = fitKernel(x, y, n, d, gs.categorical, ctx.rng, { ...this.fit, warmStart: warm, randomRestarts: restarts });
    const params = decodeKernel(fit.theta, d, this.fit.minNoise);
    let gp: GpPosterior;
    try {
      gp = new GpPosterior(x, y, n, d, gs.categorical, params, n + (this.constantLiar ? pending.length : 0));
      if (this.constantLiar && pending.length > 0) believe(gp, gs, pending);
    } catch {
      // Numerically singular even with jitter (e.g. many identical points): explore instead.
      return { params: uniform(ctx, gs), by: 'gp-fallback', memo: { [MEMO_KEY]: Array.from(fit.theta) } };
    }
    // Local searches also start at the two best observed points (Optuna starts at the best).
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[b]! - y[a]! || a - b);
    const best = y[order[0]!]!;
    const warmStarts = order.slice(0, 2).map((i) => x.slice(i * d, (i + 1) * d));
    const r = maximizeLogEi(gp, gs, best, warmStarts, ctx.rng, { ...this.acquisition, nCandidates: this.nCandidates });
    return { params: decodeSpaceParams(gs, r.u), by: 'gp', memo: { [MEMO_KEY]: Array.from(fit.theta) } };
  }

  private space(ctx: SampleContext): GpSpace {
    if (this.encoded?.space !== ctx.space) this.encoded = { space: ctx.space, gs: encodeSpace(ctx.space) };
    return this.encoded.gs;
  }

  /** Row `number` of the study's Latin hypercube, or a uniform draw once the design is used up. */
  private startup(ctx: SampleContext, gs: GpSpace): Params {
    if (ctx.number >= this.nStartup) return uniform(ctx, gs);
    const u = lhsRow(this.seed, this.nStartup, gs.dims.length, ctx.number);
    for (let j = 0; j < u.length; j++) u[j] = fromUniform(gs.dims[j]!, u[j]!);
    return decodeSpaceParams(gs, u);
  }
}

function uniform(ctx: SampleContext, gs: GpSpace): Params {
  const u = Float64Array.from(gs.dims, (dim) => fromUniform(dim, ctx.rng.next()));
  return decodeSpaceParams(gs, u);
}

/** In place: zero mean, unit variance (a constant vector only loses its mean). */
export function standardise(y: Float64Array): void {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i]! - mean) ** 2;
  const sd = Math.sqrt(v / n);
  const inv = sd > 1e-12 ? 1 / sd : 1;
  for (let i = 0; i < n; i++) y[i] = (y[i]! - mean) * inv;
}

/** The raw hyperparameters stored with the latest trial that has a fit of the right size. */
function lastMemo(trials: readonly FrozenTrial[], size: number): Float64Array | undefined {
  for (let i = trials.length - 1; i >= 0; i--) {
    const m = trials[i]!.memo?.[MEMO_KEY];
    if (m && m.length === size && m.every(Number.isFinite)) return Float64Array.from(m);
  }
  return undefined;
}

/** Adds every pending point to the posterior at its mean predicted from the complete trials (kriging believer). */
function believe(gp: GpPosterior, gs: GpSpace, pending: readonly FrozenTrial[]): void {
  const m = pending.length;
  const x = new Float64Array(m * gp.d);
  const y = new Float64Array(m);
  const row = new Float64Array(gp.d);
  pending.forEach((t, k) => {
    encodeParams(gs, t.params, row);
    gp.predict(row);
    x.set(row, k * gp.d);
    y[k] = gp.mean;
  });
  gp.extend(x, y, m);
}
