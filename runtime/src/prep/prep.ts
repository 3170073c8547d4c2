import { DojoError } from '../../../lib/errors';
import { NUM_FEATURES } from '../data/schema';

/** The `missing` stage: drop rows with a bad feature, or replace it by the training-set mean. */
export type MissingPolicy = 'drop' | 'mean';
/** The `scale` stage: raw numeric inputs, or standardised with training-set mean and std. */
export type ScalePolicy = 'none' | 'standard';

/** The feature-stage hyperparameters of a trial (absent = the stage is off). */
export interface PrepParams {
  /** Absent: no stage, the reader's --on-bad-row policy applies (fail by default). */
  readonly missing?: MissingPolicy;
  /** 0: raw coordinates; N: each coordinate one-hot over N equal-width bins. @default 0 */
  readonly bins?: number;
  /** @default 'none' */
  readonly scale?: ScalePolicy;
}

/** The DC bounding box the coordinate bins cover (values outside clamp to the edge bins). */
export const DC_LAT: readonly [number, number] = [38.8, 39.0];
export const DC_LON: readonly [number, number] = [-77.12, -76.9];

/** Raw feature columns of the 4 coordinates (origin lat, lon, destination lat, lon), in block order. */
export const COORD_COLUMNS: readonly number[] = [0, 1, 2, 3];
/** Raw feature columns that pass through when binning (year, month, dow, hour). */
export const PASS_COLUMNS: readonly number[] = [4, 5, 6, 7];

/**
 * A fitted preparation: everything predict needs to repeat it (stored as the model file's
 * `preprocessing` section). Plain JSON: numbers and strings only.
 */
export interface FittedPrep {
  readonly kind: 'dojo-prep';
  readonly version: 1;
  readonly missing: MissingPolicy | null;
  readonly bins: number;
  readonly scale: ScalePolicy;
  /** Imputation means of the 8 raw features (training set, all replicas); empty unless missing = mean. */
  readonly means: readonly number[];
  /** Per numeric output column (8 raw features without bins, else year/month/dow/hour): centre and divisor. */
  readonly center: readonly number[];
  readonly spread: readonly number[];
  /** Bin ranges: [low, high] of latitude and of longitude. */
  readonly lat: readonly [number, number];
  readonly lon: readonly [number, number];
}

/** Whether any stage is on (false: the training and predict paths are exactly the raw ones). */
export function prepActive(p: PrepParams): boolean {
  return p.missing !== undefined || (p.bins ?? 0) > 0 || (p.scale ?? 'none') !== 'none';
}

/** Whether fitting needs a pass over the training data (imputation means or scaling statistics). */
export function prepNeedsFit(p: PrepParams): boolean {
  return p.missing === 'mean' || p.scale === 'standard';
}

/** Input width of the network after the preparation: 8 raw, or 4 + 4·bins. */
export function preparedWidth(bins: number): number {
  return bins > 0 ? PASS_COLUMNS.length + COORD_COLUMNS.length * bins : NUM_FEATURES;
}

/** Raw feature columns that stay numeric (and are scaled) in the output, in output order. */
export function numericColumns(bins: number): readonly number[] {
  return bins > 0 ? PASS_COLUMNS : [0, 1, 2, 3, 4, 5, 6, 7];
}

/**
 * Builds the fitted preparation from per-feature statistics of the training set: `sum`, `sumSq` and
 * `count` of the finite values of each of the 8 raw features (already summed over replicas).
 */
export function fitFromStats(p: PrepParams, sum: ArrayLike<number>, sumSq: ArrayLike<number>, count: ArrayLike<number>): FittedPrep {
  const bins = p.bins ?? 0;
  const scale = p.scale ?? 'none';
  const mean = (k: number): number => {
    if (count[k]! === 0) throw new DojoError('BAD_DATA', `feature ${k}: no valid value in the training data to compute its mean`);
    return sum[k]! / count[k]!;
  };
  const means = p.missing === 'mean' ? Array.from({ length: NUM_FEATURES }, (_, k) => mean(k)) : [];
  const cols = numericColumns(bins);
  const center: number[] = [];
  const spread: number[] = [];
  for (const k of cols) {
    if (scale === 'standard') {
      const m = mean(k);
      const v = Math.max(0, sumSq[k]! / count[k]! - m * m);
      center.push(m);
      // A constant feature is centred only: dividing by ~0 would blow up its rounding noise.
      spread.push(v > 1e-24 ? Math.sqrt(v) : 1);
    } else {
      center.push(0);
      spread.push(1);
    }
  }
  return { kind: 'dojo-prep', version: 1, missing: p.missing ?? null, bins, scale, means, center, spread, lat: DC_LAT, lon: DC_LON };
}

/** Checks a `preprocessing` section read from a model file and returns it typed. */
export function parseFittedPrep(raw: Readonly<Record<string, unknown>>, source: string): FittedPrep {
  const bad = (what: string): never => {
    throw new DojoError('BAD_DATA', `${source}: preprocessing.${what}`);
  };
  const nums = (v: unknown, n: number, name: string): number[] => {
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) bad(`${name}: expected ${n} finite numbers`);
    return v as number[];
  };
  if (raw.kind !== 'dojo-prep' || raw.version !== 1) bad('kind/version: not a dojo-prep version 1 section');
  const missing = raw.missing;
  if (missing !== null && missing !== 'drop' && missing !== 'mean') bad('missing: must be null, "drop" or "mean"');
  const bins = raw.bins;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 0 || bins === 1 || bins > 4096) bad('bins: must be 0 or a whole number 2..4096');
  const b = bins as number;
  if (raw.scale !== 'none' && raw.scale !== 'standard') bad('scale: must be "none" or "standard"');
  const nc = numericColumns(b).length;
  const spread = nums(raw.spread, nc, 'spread');
  if (spread.some((s) => s <= 0)) bad('spread: must be > 0');
  return {
    kind: 'dojo-prep', version: 1,
    missing: missing as MissingPolicy | null,
    bins: b,
    scale: raw.scale as ScalePolicy,
    means: nums(raw.means, missing === 'mean' ? NUM_FEATURES : 0, 'means'),
    center: nums(raw.center, nc, 'center'),
    spread,
    lat: nums(raw.lat, 2, 'lat') as [number, number],
    lon: nums(raw.lon, 2, 'lon') as [number, number],
  };
}
