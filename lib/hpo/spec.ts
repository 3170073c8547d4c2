import { z } from 'zod';
import { DojoError } from '../errors';
import { AshaPruner } from './pruners/asha';
import { MedianPruner } from './pruners/median';
import { NopPruner } from './pruners/none';
import { GridSampler } from './samplers/grid';
import { createHeavySampler } from './samplers/heavy';
import { RandomSampler } from './samplers/random';
import { TpeSampler } from './samplers/tpe/sampler';
import { contains, issuePath, searchSpaceSchema, type Params, type SearchSpace } from './space';
import type { Pruner, Sampler } from './types';

const seedSchema = z.number().int('must be an integer').min(0, 'must be >= 0').max(0xffffffff, 'must be < 2^32');
const posInt = z.number().int('must be an integer').min(1, 'must be >= 1');

const samplerSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({ name: z.literal('random'), seed: seedSchema.optional() }),
    z.strictObject({ name: z.literal('grid'), seed: seedSchema.optional() }),
    z.strictObject({
      name: z.literal('tpe'),
      seed: seedSchema.optional(),
      multivariate: z.boolean().optional(),
      nStartupTrials: z.number().int('must be an integer').min(0, 'must be >= 0').optional(),
      nEiCandidates: posInt.max(10_000, 'must be <= 10000').optional(),
      constantLiar: z.boolean().optional(),
      priorWeight: z.number().positive('must be > 0').optional(),
    }),
    z.strictObject({
      name: z.literal('gp'),
      seed: seedSchema.optional(),
      nStartupTrials: z.number().int('must be an integer').min(1, 'must be >= 1').max(1000, 'must be <= 1000').optional(),
      constantLiar: z.boolean().optional(),
      nCandidates: posInt.max(100_000, 'must be <= 100000').optional(),
    }),
    z.strictObject({ name: z.literal('auto'), seed: seedSchema.optional() }),
  ],
  { error: 'must have "name": "auto", "gp", "tpe", "random" or "grid"' },
);

/** Most parameter sets a study spec or one enqueue request may carry. */
export const MAX_ENQUEUE = 10_000;

const paramValue = z.union([z.string(), z.number().refine(Number.isFinite, 'must be a finite number'), z.boolean()]);
/** One enqueued parameter set (checked against the space separately, see checkParamSets). */
export const paramSetSchema = z.record(z.string(), paramValue, { error: 'must be an object of parameter name → value' });
/** A list of enqueued parameter sets. */
export const paramSetsSchema = z.array(paramSetSchema, { error: 'must be a list of parameter objects' }).max(MAX_ENQUEUE, `must list at most ${MAX_ENQUEUE} parameter sets`);

const prunerSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({ name: z.literal('none') }),
    z.strictObject({
      name: z.literal('median'),
      nStartupTrials: z.number().int('must be an integer').min(0, 'must be >= 0').optional(),
      nWarmupSteps: z.number().int('must be an integer').min(0, 'must be >= 0').optional(),
      intervalSteps: posInt.optional(),
    }),
    z.strictObject({
      name: z.literal('asha'),
      minResource: z.number().positive('must be > 0').optional(),
      reductionFactor: z.number().min(2, 'must be >= 2').optional(),
      minEarlyStoppingRate: z.number().int('must be an integer').min(0, 'must be >= 0').optional(),
      rungs: posInt.optional(),
    }),
  ],
  { error: 'must have "name": "none", "median" or "asha"' },
);

/** The body of `POST /api/v1/studies` (DESIGN.md "HPO API v1"). */
export const studySpecSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').regex(/^[^/\s]+$/, 'must not contain "/" or spaces'),
  direction: z.enum(['minimize', 'maximize'], { error: 'must be "minimize" or "maximize"' }).default('minimize'),
  space: searchSpaceSchema,
  sampler: samplerSchema.default({ name: 'auto' }),
  pruner: prunerSchema.optional(),
  maxTrials: posInt.optional(),
  /** The name of the objective (e.g. "val_rmse"), for reports and tracking. */
  metric: z.string().min(1).max(250).optional(),
  tracking: z.strictObject({ experimentName: z.string().min(1).max(500).optional() }).optional(),
  /** Parameter sets handed out as the first trials (Optuna's enqueue_trial); a set may leave parameters to the sampler. */
  enqueue: paramSetsSchema.optional(),
  /** Name (or id) of an earlier study on the same service whose complete trials seed this one (Optuna's add_trials). */
  fromStudy: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
}).superRefine((spec, ctx) => {
  const bad = checkParamSets(spec.space, spec.enqueue ?? []);
  if (bad) ctx.addIssue({ code: 'custom', path: ['enqueue', ...bad.path], message: bad.error });
});

/**
 * The first parameter set that does not fit the space: an unknown name or a value outside its
 * domain (`path` is [index, name]); undefined when all fit. Names left out are the sampler's.
 */
export function checkParamSets(space: SearchSpace, sets: readonly Params[]): { path: (string | number)[]; error: string } | undefined {
  for (let i = 0; i < sets.length; i++) {
    for (const [name, v] of Object.entries(sets[i]!)) {
      const p = space[name];
      if (!p) return { path: [i, name], error: `not a parameter of the space (${Object.keys(space).join(', ')})` };
      if (!contains(p, v)) {
        const domain = p.type === 'categorical' ? `one of ${JSON.stringify(p.choices)}` : `${p.type === 'int' ? 'an integer' : 'a number'} in [${p.low}, ${p.high}]${p.step !== undefined ? ` on steps of ${p.step}` : ''}`;
        return { path: [i, name], error: `${JSON.stringify(v)} is outside the space: must be ${domain}` };
      }
    }
  }
  return undefined;
}

/** The sampler part of a study spec. */
export type SamplerSpec = z.infer<typeof samplerSchema>;
/** The pruner part of a study spec. */
export type PrunerSpec = z.infer<typeof prunerSchema>;
/** A study spec after validation, with defaults filled in. */
export type ResolvedStudySpec = z.output<typeof studySpecSchema>;
/** The body of `POST /api/v1/studies` as a client sends it (defaults may be omitted). */
export type StudySpec = z.input<typeof studySpecSchema>;
/** Alias of StudySpec. */
export type StudySpecInput = StudySpec;

/** Validates a study spec; the first problem is returned with its dotted path (`space.lr.low`). */
export function checkStudySpec(json: unknown): { ok: true; spec: ResolvedStudySpec } | { ok: false; path: string; error: string } {
  const r = studySpecSchema.safeParse(json);
  if (r.success) return { ok: true, spec: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, path: issuePath('', issue.path).replace(/^\./, '') || '(body)', error: issue.message };
}

/** Builds the sampler of a study; `seed` is the study's resolved seed. */
export function createSampler(spec: ResolvedStudySpec, seed: number): Sampler {
  const s = spec.sampler;
  switch (s.name) {
    case 'random':
      return new RandomSampler();
    case 'grid':
      return new GridSampler(spec.space, seed);
    case 'gp':
    case 'auto':
      return createHeavySampler(spec, seed)!;
    case 'tpe':
      return new TpeSampler({
        multivariate: s.multivariate,
        nStartupTrials: s.nStartupTrials,
        nEiCandidates: s.nEiCandidates,
        constantLiar: s.constantLiar,
        priorWeight: s.priorWeight,
      });
  }
}

/** Builds the pruner of a study (none when the spec has none). */
export function createPruner(spec: ResolvedStudySpec): Pruner {
  const p = spec.pruner ?? { name: 'none' as const };
  switch (p.name) {
    case 'none':
      return new NopPruner();
    case 'median':
      return new MedianPruner(p);
    case 'asha':
      return new AshaPruner(p);
  }
}

/** Throws a usage DojoError for a spec that does not validate, naming the source and path. */
export function parseStudySpec(json: unknown, sourceName: string): ResolvedStudySpec {
  const r = checkStudySpec(json);
  if (r.ok) return r.spec;
  throw new DojoError('USAGE', `${sourceName}: ${r.path}: ${r.error}`);
}
