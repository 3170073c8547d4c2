import { posix } from 'node:path';

/** MLflow refuses longer metric, param and tag keys. */
export const MAX_KEY_LENGTH = 250;

const KEY_CHARS = /^[/\w.\- ]*$/;

/** True when a key would name a different or escaping path once normalised (`a/../b`, `/x`, `..`). */
function pathNotUnique(name: string): boolean {
  const norm = posix.normalize(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/**
 * Why MLflow would refuse `key` as a metric, param or tag name (what its `_validate_*_name` checks:
 * letters, digits, `_ - . /` and spaces; no path that normalises to another name or escapes; at most
 * 250 characters), or undefined when it takes it.
 */
export function mlflowKeyProblem(kind: 'metric' | 'param' | 'tag', key: string): string | undefined {
  if (key === '') return `Missing value for required parameter 'key' of a ${kind}`;
  if (!KEY_CHARS.test(key)) {
    return `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`;
  }
  if (pathNotUnique(key)) return `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`;
  if (key.length > MAX_KEY_LENGTH) return `${kind} key '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${MAX_KEY_LENGTH}`;
  return undefined;
}
