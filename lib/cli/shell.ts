// KEY=VALUE output that is safe input for `eval "$(dojo inspect ID)"`: every value is quoted the
// POSIX way, so no value can run a command, split into words or expand a variable.

const PLAIN = /^[A-Za-z0-9_@%+:,./-]*$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A value as one POSIX shell word that reads back as exactly the value: left as is when it holds only
 * characters no shell treats specially, else in single quotes with each `'` written as `'\''`.
 */
export function shellQuote(value: string): string {
  if (PLAIN.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One `KEY=VALUE` line for eval; the key must be a shell variable name (a bug otherwise). */
export function shellAssignment(key: string, value: string | number | boolean | undefined | null): string {
  if (!KEY.test(key)) throw new Error(`not a shell variable name: ${JSON.stringify(key)}`);
  return `${key}=${shellQuote(value === undefined || value === null ? '' : String(value))}`;
}

/** `KEY=VALUE` lines of the pairs, in order. */
export function shellAssignments(pairs: ReadonlyArray<readonly [string, string | number | boolean | undefined | null]>): string[] {
  return pairs.map(([k, v]) => shellAssignment(k, v));
}
