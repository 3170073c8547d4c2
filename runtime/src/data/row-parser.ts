import { decimalValue, lineEnd, parseFieldFast, parseFieldWide } from './number-field';
import { CSV_HEADER, NUM_COLUMNS } from './schema';

const SPACE = 32;
const TAB = 9;
const CR = 13;
const COMMA = 44;

/**
 * Parses one CSV row of 9 numbers straight from the bytes at `pos` into row `r` of a batch: the
 * label into `y[r]`, the 8 features into `x[r*8 .. r*8+7]` (a bailed row may leave partial values
 * there; the caller does not count it). No strings are created. This is the hot path, for fields
 * in the common form {@link parseFieldFast} takes (at most 9 significant digits, no exponent).
 * Returns the index of the row's terminating LF, or -1 for anything else (the caller then tries
 * {@link parseRowWide}). Precondition: an LF exists at or after `pos` in `buf` (the caller only
 * passes complete lines). Every value equals `Number(fieldText)` exactly.
 */
export function parseRowFast(buf: Uint8Array, pos: number, x: Float64Array, y: Float64Array, r: number): number {
  let i = parseFieldFast(buf, pos, y, r);
  const o = r * (NUM_COLUMNS - 1) - 1;
  for (let col = 1; col < NUM_COLUMNS; col++) {
    if (i < 0 || buf[i] !== COMMA) return -1;
    i = parseFieldFast(buf, i + 1, x, o + col);
  }
  return i < 0 ? -1 : lineEnd(buf, i);
}

/**
 * The second path, for rows {@link parseRowFast} leaves: the same contract, with fields as
 * {@link parseFieldWide} takes them (mantissas up to 2^53, exponents). Returns the index of the
 * row's LF, or -1 (a blank line, a bad field, a mantissa beyond 2^53, a decimal exponent beyond
 * ±22): the caller then uses {@link parseRowExact}. Precondition: an LF exists at or after `pos`.
 */
export function parseRowWide(buf: Uint8Array, pos: number, x: Float64Array, y: Float64Array, r: number): number {
  let i = parseFieldWide(buf, pos, y, r);
  const o = r * (NUM_COLUMNS - 1) - 1;
  for (let col = 1; col < NUM_COLUMNS; col++) {
    if (i < 0 || buf[i] !== COMMA) return -1;
    i = parseFieldWide(buf, i + 1, x, o + col);
  }
  return i < 0 ? -1 : lineEnd(buf, i);
}

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
    const v = decimalValue(fields[col]!);
    if (v !== v) return `column ${CSV_HEADER[col]}: ${JSON.stringify(fields[col]!.trim())} is not a number`;
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
    const v = decimalValue(fields[col]!);
    if (v === v) out[col] = v;
    else if (col === 0) return -1;
    else {
      out[col] = NaN;
      bad++;
    }
  }
  return bad;
}
