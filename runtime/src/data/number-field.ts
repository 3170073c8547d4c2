/**
 * Decimal fields of a CSV line parsed straight from its bytes: the one number parser of the
 * training reader (9 columns, row-parser.ts) and of predict's reader (8 or 9 columns,
 * predict/csv.ts). Each function reads one field at `i` and returns the index just past it (its
 * trailing blanks skipped, so the delimiter is next), or -1 when the field is not in the form it
 * takes; the row loops check the delimiter. Small and monomorphic (Uint8Array in, Float64Array out)
 * so that V8 inlines them into the row loops.
 */

/** Exact powers of ten: every 10^k with k <= 22 is a double, so m / 10^k rounds once (Clinger's fast path). */
const POW10 = new Float64Array(23).map((_, k) => 10 ** k);

const MAX_EXACT = 9007199254740991; // 2^53 - 1: larger mantissas are not exact in a double
const SPACE = 32;
const TAB = 9;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const LOWER_E = 101;
const UPPER_E = 69;
const CR = 13;
const LF = 10;

/**
 * The hot path, for the common form: blanks, a sign, at most 9 significant digits with an optional
 * fraction and no exponent (DC-taxi values have at most 8), so the mantissa is an int32. Writes the
 * value to `out[o]` and returns the index past the field and its trailing blanks, or -1 for any
 * other form ({@link parseFieldWide} may take it). The value equals `Number(fieldText)` exactly: the
 * mantissa is an exact integer and 10^k (k <= 9) is an exact double, so the one division rounds
 * correctly. Precondition: a non-digit byte (the line's LF) follows in `buf`.
 */
export function parseFieldFast(buf: Uint8Array, i: number, out: Float64Array, o: number): number {
  let c = buf[i]!;
  while (c === SPACE || c === TAB) c = buf[++i]!;
  let neg = false;
  if (c === MINUS) {
    neg = true;
    c = buf[++i]!;
  } else if (c === PLUS) {
    c = buf[++i]!;
  }
  const start = i;
  let m = 0;
  let d = (c - ZERO) >>> 0;
  while (d < 10) {
    m = (m * 10 + d) | 0; // wraps past 9 digits, but such fields are rejected below
    d = (buf[++i]! - ZERO) >>> 0;
  }
  let digits = i - start;
  let exp = 0;
  c = buf[i]!;
  if (c === DOT) {
    const fraction = ++i;
    d = (buf[i]! - ZERO) >>> 0;
    while (d < 10) {
      m = (m * 10 + d) | 0;
      d = (buf[++i]! - ZERO) >>> 0;
    }
    exp = fraction - i;
    digits -= exp;
    c = buf[i]!;
  }
  if (digits === 0 || digits > 9 || c === LOWER_E || c === UPPER_E) return -1;
  const v = exp === 0 ? m : m / POW10[-exp]!;
  out[o] = neg ? -v : v;
  while (c === SPACE || c === TAB) c = buf[++i]!;
  return i;
}

/**
 * The second path, for fields {@link parseFieldFast} leaves: the same contract, but the mantissa is
 * accumulated in a double, exact up to 2^53 (e.g. the 17 digits of `0.30000000000000004`), and an
 * exponent is taken. Returns -1 for an empty or non-decimal field, a mantissa beyond 2^53 or a
 * decimal exponent beyond ±22 (only `Number()` gets those right: {@link decimalValue}). The value
 * equals `Number(fieldText)` exactly: one division or multiplication of an exact integer by an exact
 * power of ten. Precondition: a non-digit byte (the line's LF) follows in `buf`.
 */
export function parseFieldWide(buf: Uint8Array, i: number, out: Float64Array, o: number): number {
  let c = buf[i]!;
  while (c === SPACE || c === TAB) c = buf[++i]!;
  let neg = false;
  if (c === MINUS) {
    neg = true;
    c = buf[++i]!;
  } else if (c === PLUS) {
    c = buf[++i]!;
  }
  let m = 0;
  let digits = 0;
  let d = c - ZERO;
  while (d >= 0 && d <= 9) {
    m = m * 10 + d;
    digits++;
    d = buf[++i]! - ZERO;
  }
  let exp = 0;
  c = buf[i]!;
  if (c === DOT) {
    d = buf[++i]! - ZERO;
    while (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
      exp--;
      d = buf[++i]! - ZERO;
    }
    c = buf[i]!;
  }
  if (digits === 0 || m > MAX_EXACT) return -1;
  if (c === LOWER_E || c === UPPER_E) {
    c = buf[++i]!;
    let eneg = false;
    if (c === MINUS) {
      eneg = true;
      c = buf[++i]!;
    } else if (c === PLUS) {
      c = buf[++i]!;
    }
    let e = 0;
    let edigits = 0;
    d = c - ZERO;
    while (d >= 0 && d <= 9) {
      if (e < 1e6) e = e * 10 + d;
      edigits++;
      d = buf[++i]! - ZERO;
    }
    if (edigits === 0) return -1;
    exp += eneg ? -e : e;
    c = buf[i]!;
  }
  let v: number;
  if (exp === 0) v = m;
  else if (exp < 0 && exp >= -22) v = m / POW10[-exp]!;
  else if (exp > 0 && exp <= 22) v = m * POW10[exp]!;
  else return -1;
  out[o] = neg ? -v : v;
  while (c === SPACE || c === TAB) c = buf[++i]!;
  return i;
}

/** A decimal number as CSV writers emit it: no hex, no NaN/Infinity, no empty text. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The exact (slow) path for one field's text: its value when it is a finite decimal (blanks around
 * it allowed), else NaN (empty, non-numeric, `NaN`, `Infinity`, hex, or beyond the double range).
 */
export function decimalValue(text: string): number {
  const t = text.trim();
  const v = DECIMAL.test(t) ? Number(t) : NaN;
  return Number.isFinite(v) ? v : NaN;
}

/** The index of the LF ending a row whose last field ends at `i` (an optional CR before it), or -1. */
export function lineEnd(buf: Uint8Array, i: number): number {
  if (buf[i] === CR) i++;
  return buf[i] === LF ? i : -1;
}
