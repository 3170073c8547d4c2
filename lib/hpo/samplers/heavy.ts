// The samplers whose asks the HPO service computes on its proposal thread, built apart from
// spec.ts (and its zod schemas) so that the thread's bundle holds only what it runs.
import type { ResolvedStudySpec } from '../spec';
import type { Sampler } from '../types';
import { AutoSampler } from './auto';
import { GpSampler } from './gp/sampler';

/** The sampler of a study whose sampler is `gp` or `auto` (undefined for the others); `seed` is the study's resolved seed. */
export function createHeavySampler(spec: ResolvedStudySpec, seed: number): Sampler | undefined {
  const s = spec.sampler;
  switch (s.name) {
    case 'gp':
      return new GpSampler(seed, { nStartupTrials: s.nStartupTrials, constantLiar: s.constantLiar, nCandidates: s.nCandidates });
    case 'auto':
      return new AutoSampler(spec.space, seed);
    default:
      return undefined;
  }
}
