import { CSV_HEADER, NUM_COLUMNS } from './schema';

/** Exact powers of ten: every 10^k with k <= 22 is a double, so m / 10^k rounds once (Clinger's fast path). */
const POW10 = new Float64Array(23).map((_, k) => 10 ** k);

const MAX_EXACT = 9007199254740991; // 2^53 - 1: larger mantissas are not exact in a double
const SPACE = 32;
const TAB = 9;
const CR = 13;
const LF = 10;
const COMMA = 44;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const LOWER_E = 101;
const UPPER_E = 69;

/**
 * Parses one CSV row of 9 numbers straight from the bytes at `pos` into row `r` of a batch: the
 * label into `y[r]`, the 8 features into `x[r*8 .. r*8+7]` (a bailed row may leave partial values
 * there; the caller does not count it). No strings are created. This is the hot path, for the
 * common form: blanks, a sign, at most 9 significant digits with an optional fraction (DC-taxi
 * values have at most 8), so the mantissa is an int32. Returns the index of the row's terminating
 * LF, or -1 for anything else (the caller then tries {@link parseRowWide}). Precondition: an LF
 * exists at or after `pos` in `buf` (the caller only passes complete lines). Every value equals
 * `Number(fieldText)` exactly: the mantissa is an exact integer and 10^k (k <= 22) is an exact
 * double, so the one division rounds correctly (Clinger's fast path).
 */
export function parseRowFast(buf: Uint8Array, pos: number, x: Float64Array, y: Float64Array, r: number): number {
  let i = pos;
  const o = r * (NUM_COLUMNS - 1) - 1;
  for (let col = 0; col < NUM_COLUMNS; col++) {
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
    if (col === 0) y[r] = neg ? -v : v;
    else x[o + col] = neg ? -v : v;
    while (c === SPACE || c === TAB) c = buf[++i]!;
    if (col < NUM_COLUMNS - 1) {
      if (c !== COMMA) return -1;
      i++;
    } else {
      if (c === CR) c = buf[++i]!;
      if (c !== LF) return -1;
    }
  }
  return i;
}

/**
 * The second path, for rows {@link parseRowFast} leaves: the same contract, but mantissas are
 * accumulated in a double, exact up to 2^53 (e.g. the 17 digits of `0.30000000000000004`), and
 * exponents are taken. Returns the index of the row's LF, or -1 (a blank line, a bad field, a
 * mantissa beyond 2^53, a decimal exponent beyond ±22): the caller then uses {@link parseRowExact}.
 * Precondition: an LF exists at or after `pos` in `buf` (the caller only passes complete lines).
 * Every value it returns equals `Number(fieldText)` exactly: the mantissa is an exact integer
 * below 2^53 and 10^k (k <= 22) is exact, so one division or multiplication rounds correctly.
 */
export function parseRowWide(buf: Uint8Array, pos: number, x: Float64Array, y: Float64Array, r: number): number {
  let i = pos;
  const o = r * (NUM_COLUMNS - 1) - 1;
  for (let col = 0; col < NUM_COLUMNS; col++) {
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
    if (col === 0) y[r] = neg ? -v : v;
    else x[o + col] = neg ? -v : v;
    while (c === SPACE || c === TAB) c = buf[++i]!;
    if (col < NUM_COLUMNS - 1) {
      if (c !== COMMA) return -1;
      i++;
    } else {
      if (c === CR) c = buf[++i]!;
      if (c !== LF) return -1;
    }
  }
  return i;
}

/** A decimal number as CSV writers emit it: no hex, no NaN/Infinity, no empty text. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Blank line: only spaces, tabs and CR between `start` and `end` (exclusive). */
export function isBlankLine(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

/**
 * The exact (slow) path for a non-blank line `buf[start..end)` (LF excluded): parses every field
 * with `Number()` after checking it is a finite decimal. Returns undefined when the row is good
 * (values in `out`), else the reason, e.g. `column hour_integer: "x" is not a number`.
 */
export function parseRowExact(buf: Uint8Array, start: number, end: number, out: Float64Array): string | undefined {
  let text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  const fields = text.split(',');
  if (fields.length !== NUM_COLUMNS) {
    return `expected ${NUM_COLUMNS} columns, found ${fields.length}`;
  }
  for (let col = 0; col < NUM_COLUMNS; col++) {
    const t = fields[col]!.trim();
    const v = DECIMAL.test(t) ? Number(t) : NaN;
    if (!Number.isFinite(v)) return `column ${CSV_HEADER[col]}: ${JSON.stringify(t)} is not a number`;
    out[col] = v;
  }
  return undefined;
}

/**
 * The `mark` policy's parse of a line {@link parseRowExact} refused: the same field rules, but a bad
 * feature becomes NaN in `out` instead of refusing the row. Returns the number of bad features, or
 * -1 when the row is unusable (wrong column count or a bad label).
 */
export function parseRowMarked(buf: Uint8Array, start: number, end: number, out: Float64Array): number {
  let text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  const fields = text.split(',');
  if (fields.length !== NUM_COLUMNS) return -1;
  let bad = 0;
  for (let col = 0; col < NUM_COLUMNS; col++) {
    const t = fields[col]!.trim();
    const v = DECIMAL.test(t) ? Number(t) : NaN;
    if (Number.isFinite(v)) out[col] = v;
    else if (col === 0) return -1;
    else {
      out[col] = NaN;
      bad++;
    }
  }
  return bad;
}
