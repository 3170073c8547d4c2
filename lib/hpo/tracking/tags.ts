/**
 * The tags the HPO service writes into tracking. Together they are enough to rebuild a study
 * without its database: the parent run's `hpo.spec` and `hpo.seed` recreate the study, each
 * child run's `hpo.trial_number`, `hpo.params` (typed JSON), `hpo.state` and metric `objective`
 * recreate its trials (see rebuild.ts).
 */
export const TAG = {
  role: 'hpo.role',
  study: 'hpo.study',
  studyId: 'hpo.study_id',
  sampler: 'hpo.sampler',
  seed: 'hpo.seed',
  direction: 'hpo.direction',
  space: 'hpo.space',
  spec: 'hpo.spec',
  pruner: 'hpo.pruner',
  metric: 'hpo.metric',
  trialNumber: 'hpo.trial_number',
  state: 'hpo.state',
  params: 'hpo.params',
  bestTrial: 'hpo.best_trial',
  /** On a study's parent run: what of its end (best model, report) could not be written to tracking. */
  warning: 'hpo.warning',
} as const;

/** MLflow truncates a tag value beyond 5000 characters (MLFLOW_NOTES): longer JSON is split. */
export const TAG_VALUE_LIMIT = 5000;

/**
 * A tag whose value may exceed MLflow's limit (a large space's `hpo.spec`): the value is cut into
 * pieces of at most 5000 UTF-16 units, on code-point boundaries (a surrogate pair is never cut: MLflow
 * stores a lone surrogate as '' and drops the request's later tags), the first under `key`, the rest
 * under `key.1`, `key.2`, …, and `key.parts` says how many there are (absent when one piece holds it).
 * A piece within 5000 UTF-16 units is within 5000 code points too, so no server truncates it.
 */
export function longTag(key: string, value: string): Record<string, string> {
  if (value.length <= TAG_VALUE_LIMIT) return { [key]: value };
  const pieces: string[] = [];
  for (let at = 0; at < value.length; ) {
    let end = Math.min(at + TAG_VALUE_LIMIT, value.length);
    // Never end a piece between the two halves of a surrogate pair.
    if (end < value.length && isHighSurrogate(value.charCodeAt(end - 1)) && isLowSurrogate(value.charCodeAt(end))) end--;
    pieces.push(value.slice(at, end));
    at = end;
  }
  const out: Record<string, string> = {};
  pieces.forEach((p, i) => (out[i === 0 ? key : `${key}.${i}`] = p));
  out[`${key}.parts`] = String(pieces.length);
  return out;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Reads back a value written with longTag (undefined when the tag, or one of its pieces, is missing). */
export function readLongTag(get: (key: string) => string | undefined, key: string): string | undefined {
  const first = get(key);
  const parts = Number(get(`${key}.parts`) ?? 1);
  if (first === undefined || !Number.isInteger(parts) || parts < 1) return first;
  let value = first;
  for (let i = 1; i < parts; i++) {
    const piece = get(`${key}.${i}`);
    if (piece === undefined) return undefined;
    value += piece;
  }
  return value;
}
