import { z } from 'zod';
import { MAX_KEY_LENGTH, mlflowKeyProblem } from '../tracking/keys';
import { DojoError } from '../errors';
import { contains } from './domain';

/** A float parameter; `log` samples uniformly in log space, `step` makes it discrete. */
export interface FloatParam {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** An integer parameter on the grid low, low+step, ..., high (step 1 by default). */
export interface IntParam {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly step?: number;
}

/** A categorical parameter over strings, numbers or booleans. */
export interface CategoricalParam {
  readonly type: 'categorical';
  readonly choices: readonly (string | number | boolean)[];
}

/** One parameter of a search space. */
export type ParamSpec = FloatParam | IntParam | CategoricalParam;

/** A flat search space: parameter name → its domain (DESIGN.md "Space format"). */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/** A value of one parameter. */
export type ParamValue = number | string | boolean;

/** One suggestion: parameter name → value. */
export type Params = Record<string, ParamValue>;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const floatSchema = z.strictObject({
  type: z.literal('float'),
  low: finite,
  high: finite,
  log: z.boolean().optional(),
  step: finite.refine((v) => v > 0, 'must be > 0').optional(),
});

const intSchema = z.strictObject({
  type: z.literal('int'),
  low: z.number().int('must be an integer'),
  high: z.number().int('must be an integer'),
  log: z.boolean().optional(),
  step: z.number().int('must be an integer').min(1, 'must be >= 1').optional(),
});

const choice = z.union([z.string(), finite, z.boolean()]);
const categoricalSchema = z.strictObject({
  type: z.literal('categorical'),
  choices: z.array(choice).min(1, 'must list at least one choice'),
});

/** Optional fields sent as null (as Optuna's distributions serialise `step: None`) count as absent. */
function dropNulls(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
}

const paramSchema = z.preprocess(
  dropNulls,
  z
    .discriminatedUnion('type', [floatSchema, intSchema, categoricalSchema], {
      error: 'must have "type": "float", "int" or "categorical"',
    })
    .superRefine((p, ctx) => {
      if (p.type === 'categorical') {
        const seen = new Set(p.choices.map((c) => `${typeof c}:${String(c)}`));
        if (seen.size !== p.choices.length) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'must not repeat a choice' });
        return;
      }
      if (p.low > p.high) ctx.addIssue({ code: 'custom', path: ['high'], message: `must be >= low (${p.low})` });
      if (p.log && p.low <= 0) ctx.addIssue({ code: 'custom', path: ['low'], message: 'must be > 0 when log is true' });
      if (p.log && p.step !== undefined && p.step !== 1) {
        ctx.addIssue({ code: 'custom', path: ['step'], message: 'cannot be combined with log: true (remove one)' });
      }
      if (p.step !== undefined && p.low <= p.high) {
        const k = (p.high - p.low) / p.step;
        if (Math.abs(k - Math.round(k)) > 1e-9 * Math.max(1, k)) {
          ctx.addIssue({ code: 'custom', path: ['high'], message: `high - low must be a multiple of step (${p.step})` });
        }
      }
    }),
);

const spaceSchema = z
  .record(z.string().min(1, 'parameter names must not be empty'), paramSchema, {
    error: 'must be an object of parameter name → {type, ...}',
  })
  .refine((s) => Object.keys(s).length > 0, 'must define at least one parameter')
  .superRefine((s, ctx) => {
    // Every name becomes an MLflow param of each trial's run: one MLflow refuses would leave the
    // trials' runs without params (the upload fails after the run exists), so refuse it here.
    for (const name of Object.keys(s)) {
      if (mlflowKeyProblem('param', name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is not a valid MLflow parameter name: use letters, digits, _ - . / and spaces (at most ${MAX_KEY_LENGTH}; no '..', '//' or leading '/')` });
      }
    }
  });

/** The zod schema of a search space, reused by the service's body schemas. */
export const searchSpaceSchema = spaceSchema as unknown as z.ZodType<SearchSpace>;

/** A space a sampler cannot use, with the dotted path of the field at fault (`space.lr.step`) and the problem. */
export class SpaceError extends DojoError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super('USAGE', `${path}: ${problem}`);
  }
}

/** A validation failure: the dotted path of the bad field and what is wrong with it. */
export interface SpaceProblem {
  readonly path: string;
  readonly error: string;
}

/** Formats a zod issue path under a root name: `space.lr.low`. */
export function issuePath(root: string, path: readonly PropertyKey[]): string {
  return [root, ...path.map((p) => String(p))].join('.');
}

/** Checks a search space without throwing; the first problem names its path (`space.lr.low`). */
export function checkSpace(json: unknown, root = 'space'): { ok: true; space: SearchSpace } | ({ ok: false } & SpaceProblem) {
  const r = spaceSchema.safeParse(json);
  if (r.success) return { ok: true, space: r.data as SearchSpace };
  const issue = r.error.issues[0]!;
  return { ok: false, path: issuePath(root, issue.path), error: issue.message };
}

/**
 * Validates a search space read from `sourceName` (a file name or "request body"), throwing a
 * usage DojoError such as `space.json: space.lr.low: must be > 0 when log is true`.
 */
export function validateSpace(json: unknown, sourceName: string): SearchSpace {
  const r = checkSpace(json);
  if (r.ok) return r.space;
  throw new DojoError('USAGE', `${sourceName}: ${r.path}: ${r.error}`);
}

// Lives in domain.ts (no zod) so that the proposal thread's bundle stays small; importers of space.ts keep it here.
export { contains };
