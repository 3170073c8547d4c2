import { z } from 'zod';
import { DojoError } from '../../../lib/errors';
import { DEFAULT_HPARAMS } from './defaults';

/** The fare model's hyperparameters (DESIGN.md, "Training hyperparameters"). */
export interface HParams {
  readonly seed: number;
  readonly num_features: number;
  readonly num_hidden_neurons: readonly number[];
  /** 1: a BatchNorm1d before every Linear; 0: none. */
  readonly batch_norm_linear_layers: 0 | 1;
  /** "Adam" is AdamW with weight decay 0.01 (as in the book); "SGD" is plain SGD. */
  readonly optimizer: 'Adam' | 'SGD';
  readonly lr: number;
  readonly batch_size: number;
  readonly max_batches: number;
  /** Data preparation (issue 10): drop rows with bad features or impute training means; absent = --on-bad-row. */
  readonly missing?: 'drop' | 'mean';
  /** Feature engineering: one-hot the 4 coordinates over this many bins; absent or 0 = raw. */
  readonly bins?: number;
  /** Standardise the numeric inputs with training-set statistics; absent = 'none'. */
  readonly scale?: 'none' | 'standard';
}

/** The book's defaults (in their own light module, which `dojo train --help` reads too). */
export { DEFAULT_HPARAMS };

// The book passed hyperparameters as strings (e.g. num_hidden_neurons "[3, 5, 8]"), so accept both.
const jsonArray = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}, z.array(z.number().int('must be whole numbers').min(1, 'must be >= 1').max(4096, 'must be <= 4096')).min(1, 'needs at least one layer').max(64, 'at most 64 layers'));
const num = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);

const schema = z
  .object({
    seed: num(z.number().int('must be a whole number').min(0, 'must be >= 0').max(2 ** 32 - 1, 'must be < 2^32')),
    num_features: num(z.number().int('must be a whole number').min(1, 'must be >= 1').max(4096, 'must be <= 4096')),
    num_hidden_neurons: jsonArray,
    batch_norm_linear_layers: num(z.number().int('must be 0 or 1').min(0, 'must be 0 or 1').max(1, 'must be 0 or 1')),
    optimizer: z.enum(['Adam', 'SGD'], { error: 'must be "Adam" or "SGD"' }),
    lr: num(z.number().gt(0, 'must be > 0').finite('must be finite')),
    batch_size: num(z.number().int('must be a whole number').min(1, 'must be >= 1').max(2 ** 26, 'must be <= 2^26')),
    max_batches: num(z.number().int('must be a whole number').min(1, 'must be >= 1')),
    missing: z.enum(['drop', 'mean'], { error: 'must be "drop" or "mean"' }),
    bins: num(z.number().int('must be a whole number').min(0, 'must be 0 or 2..4096').max(4096, 'must be 0 or 2..4096').refine((n) => n !== 1, 'must be 0 or 2..4096')),
    scale: z.enum(['none', 'standard'], { error: 'must be "none" or "standard"' }),
  })
  .partial()
  .strict();

/**
 * Validates hyperparameters (an object or a JSON text) over the defaults. `source` names where they came
 * from (a flag or file) and leads every error: `--hparams: hparams.lr: must be > 0`.
 */
export function parseHParams(json: unknown, source = 'hparams'): HParams {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (e) {
      throw new DojoError('USAGE', `${source}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DojoError('USAGE', `${source}: hyperparameters must be a JSON object`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    const what = issue.code === 'unrecognized_keys' ? 'unknown hyperparameter' : issue.message;
    throw new DojoError('USAGE', `${source}: hparams.${field}: ${what}`);
  }
  const p = r.data;
  const merged: HParams = {
    ...DEFAULT_HPARAMS,
    ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
  } as HParams;
  return { ...merged, batch_norm_linear_layers: merged.batch_norm_linear_layers === 1 ? 1 : 0, num_hidden_neurons: [...merged.num_hidden_neurons] };
}
