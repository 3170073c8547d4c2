import { fromInternal, numericDomain } from '../domain';
import type { Rng } from '../rng';
import type { ParamSpec, Params, SearchSpace } from '../space';
import type { SampleContext, Sampler } from '../types';

/** Draws one value uniformly from a parameter's domain (log-uniform for `log: true`). */
export function sampleUniform(p: ParamSpec, rng: Rng): number | string | boolean {
  if (p.type === 'categorical') return p.choices[rng.int(p.choices.length)]!;
  const d = numericDomain(p);
  return fromInternal(p, d.lo === d.hi ? d.lo : rng.uniform(d.lo, d.hi));
}

/** Draws a whole suggestion uniformly, parameters in the space's key order. */
export function sampleSpaceUniform(space: SearchSpace, rng: Rng): Params {
  const out: Params = {};
  for (const [name, p] of Object.entries(space)) out[name] = sampleUniform(p, rng);
  return out;
}

/** Independent uniform sampling: the baseline every other sampler must beat. */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  /** Samples every parameter uniformly from its domain. */
  sample(ctx: SampleContext): Params {
    return sampleSpaceUniform(ctx.space, ctx.rng);
  }
}
