import type { Params, SearchSpace } from '../space';
import type { Proposal, SampleContext, Sampler, SamplerChoice } from '../types';
import { GpSampler } from './gp/sampler';
import { TpeSampler } from './tpe/sampler';

/** Complete trials after which `auto` hands a GP study over to TPE: the GP's ask grows as n³. */
export const AUTO_GP_MAX_TRIALS = 200;
/** Spaces with more parameters than this go to TPE: the GP's fit and acquisition grow with d and need ~d² points. */
export const AUTO_GP_MAX_DIMS = 24;
/** A categorical with more choices than this (or more than AUTO_GP_MAX_CHOICES in all) goes to TPE. */
export const AUTO_GP_MAX_CHOICES_PER_PARAM = 16;
/** See AUTO_GP_MAX_CHOICES_PER_PARAM. */
export const AUTO_GP_MAX_CHOICES = 48;

const PER_LAYER = /^(?:num_)?neurons_l\d+$/;

/**
 * Parameters that only matter for some values of another: in a flat dojo space, the per-layer
 * widths `neurons_l<i>` of a space that also searches the layer count (`layers`/`num_layers`;
 * runtime/src/worker/hparams.ts ignores the widths of layers beyond the count).
 */
export function conditionalParams(space: SearchSpace): string[] {
  const names = Object.keys(space);
  if (!names.includes('layers') && !names.includes('num_layers')) return [];
  return names.filter((n) => PER_LAYER.test(n));
}

/** The sampler `auto` uses for a space, and why. */
export interface AutoDecision extends SamplerChoice {
  readonly name: 'gp' | 'tpe';
}

/**
 * The automatic choice (after Optuna 5's measurements, confirmed by bench/hpo/quality.ts): the GP
 * is the most sample-efficient on numeric and mixed spaces of moderate size; TPE where the GP is
 * weak or slow — conditional parameters (the GP sees an inactive width as noise), many categorical
 * choices (a Hamming kernel learns little from each), many parameters; and after
 * AUTO_GP_MAX_TRIALS complete trials, where the GP's ask gets slow.
 */
export function decideAuto(space: SearchSpace): AutoDecision {
  const cond = conditionalParams(space);
  if (cond.length > 0) {
    return { name: 'tpe', reason: `conditional parameters (${cond.join(', ')} depend on the layer count): TPE` };
  }
  const specs = Object.entries(space);
  if (specs.length > AUTO_GP_MAX_DIMS) return { name: 'tpe', reason: `${specs.length} parameters (more than ${AUTO_GP_MAX_DIMS}): TPE` };
  let choices = 0;
  for (const [name, p] of specs) {
    if (p.type !== 'categorical') continue;
    if (p.choices.length > AUTO_GP_MAX_CHOICES_PER_PARAM) return { name: 'tpe', reason: `${name} has ${p.choices.length} choices (more than ${AUTO_GP_MAX_CHOICES_PER_PARAM}): TPE` };
    choices += p.choices.length;
  }
  if (choices > AUTO_GP_MAX_CHOICES) return { name: 'tpe', reason: `${choices} categorical choices in all (more than ${AUTO_GP_MAX_CHOICES}): TPE` };
  const kind = specs.some(([, p]) => p.type === 'categorical') ? 'mixed' : 'numeric';
  return { name: 'gp', reason: `${kind} space of ${specs.length} parameters: GP for the first ${AUTO_GP_MAX_TRIALS} complete trials, then TPE` };
}

/** `auto`, the default sampler: GP or TPE as `decideAuto` says; each trial is labelled with the sampler that produced it. */
export class AutoSampler implements Sampler {
  readonly name = 'auto';
  /** What was chosen and why (shown in `GET /studies/{id}` and the report). */
  readonly choice: AutoDecision;
  private readonly gp: GpSampler;
  private readonly tpe = new TpeSampler();

  constructor(space: SearchSpace, seed: number) {
    this.choice = decideAuto(space);
    this.gp = new GpSampler(seed);
  }

  /** The params of `propose`. */
  sample(ctx: SampleContext): Params {
    return this.propose(ctx).params;
  }

  /** Delegates to the chosen sampler (TPE once the GP has AUTO_GP_MAX_TRIALS complete trials). */
  propose(ctx: SampleContext): Proposal {
    return this.usesGp(ctx) ? this.gp.propose(ctx) : this.tpe.propose(ctx);
  }

  /** The GP's fitted asks are heavy; TPE's ask is cheap enough for the service's event loop. */
  heavy(ctx: SampleContext): boolean {
    return this.usesGp(ctx) && this.gp.heavy(ctx);
  }

  private usesGp(ctx: SampleContext): boolean {
    if (this.choice.name !== 'gp') return false;
    let complete = 0;
    for (const t of ctx.trials) if (t.state === 'complete') complete++;
    return complete < AUTO_GP_MAX_TRIALS;
  }
}
