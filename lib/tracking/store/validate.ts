import { posix } from 'node:path';
import { invalidParam } from '../errors';

/** MLflow truncates longer param values. */
export const MAX_PARAM_VALUE = 6000;
/** MLflow truncates longer tag values. */
export const MAX_TAG_VALUE = 5000;
/** MLflow refuses longer keys. */
export const MAX_KEY = 250;

const KEY_CHARS = /^[/\w.\- ]*$/;

/** True when a key would name a different or escaping path once normalised (`a/../b`, `/x`, `..`). */
function pathNotUnique(name: string): boolean {
  const norm = posix.normalize(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/** Keys already found valid: a run logs few distinct keys many times (bounded so it cannot grow without limit). */
const validKeys = new Set<string>();

/** Checks a metric, param or tag key as MLflow does; throws 400 naming the key. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key === 'string' && validKeys.has(key)) return key;
  if (typeof key !== 'string' || key === '') throw invalidParam(`Missing value for required parameter 'key' of a ${kind}`);
  if (!KEY_CHARS.test(key)) {
    throw invalidParam(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  if (pathNotUnique(key)) throw invalidParam(`Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`);
  if (key.length > MAX_KEY) throw invalidParam(`${kind} key '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${MAX_KEY}`);
  if (validKeys.size >= 10_000) validKeys.clear();
  validKeys.add(key);
  return key;
}
