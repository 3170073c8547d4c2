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
} as const;

/** MLflow truncates a tag value beyond 5000 characters (MLFLOW_NOTES): longer JSON is split. */
export const TAG_VALUE_LIMIT = 5000;

/**
 * A tag whose value may exceed MLflow's limit (a large space's `hpo.spec`): the value is cut into
 * pieces of at most 5000 characters, the first under `key`, the rest under `key.1`, `key.2`, …, and
 * `key.parts` says how many there are (absent when one piece holds it, as before).
 */
export function longTag(key: string, value: string): Record<string, string> {
  if (value.length <= TAG_VALUE_LIMIT) return { [key]: value };
  const out: Record<string, string> = {};
  const parts = Math.ceil(value.length / TAG_VALUE_LIMIT);
  for (let i = 0; i < parts; i++) out[i === 0 ? key : `${key}.${i}`] = value.slice(i * TAG_VALUE_LIMIT, (i + 1) * TAG_VALUE_LIMIT);
  out[`${key}.parts`] = String(parts);
  return out;
}

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
