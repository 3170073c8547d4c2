import { invalidParam } from '../errors';
import { MAX_KEY_LENGTH, mlflowKeyProblem } from '../keys';

/** MLflow truncates longer param values. */
export const MAX_PARAM_VALUE = 6000;
/** MLflow truncates longer tag values. */
export const MAX_TAG_VALUE = 5000;
/** MLflow refuses longer keys. */
export const MAX_KEY = MAX_KEY_LENGTH;

/**
 * The first `max` characters as MLflow (Python) counts them: code points, so a character outside
 * the BMP counts once and is never cut in half.
 */
export function truncateCodePoints(value: string, max: number): string {
  if (value.length <= max) return value;
  let units = 0;
  for (let n = 0; n < max && units < value.length; n++) {
    const c = value.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < value.length ? 2 : 1;
  }
  return value.slice(0, units);
}

/** Keys already found valid: a run logs few distinct keys many times (bounded so it cannot grow without limit). */
const validKeys = new Set<string>();

/** Checks a metric, param or tag key as MLflow does; throws 400 naming the key. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key === 'string' && validKeys.has(key)) return key;
  if (typeof key !== 'string' || key === '') throw invalidParam(`Missing value for required parameter 'key' of a ${kind}`);
  const problem = mlflowKeyProblem(kind, key);
  if (problem) throw invalidParam(problem);
  if (validKeys.size >= 10_000) validKeys.clear();
  validKeys.add(key);
  return key;
}
