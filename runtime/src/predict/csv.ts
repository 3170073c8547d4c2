import { DojoError } from '../../../lib/errors';
import { resolveGlob } from '../data/glob';
import { openObject } from '../data/source';

/** Exact powers of ten (10^k, k <= 22, is a double), so m / 10^k rounds once, as Number(text) does. */
const POW10 = new Float64Array(23).map((_, k) => 10 ** k);
const MAX_EXACT = 9007199254740991;
const LF = 10;
const CR = 13;
const COMMA = 44;
const SPACE = 32;
const TAB = 9;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A batch of input rows for prediction: `x: [rows, features]` row-major; `y` when the files carry labels. */
export interface PredictBatch {
  readonly x: Float64Array;
  readonly y: Float64Array | undefined;
  readonly rows: number;
}

/** Options of readPredictBatches. */
export interface PredictReadOptions {
  /** Feature columns the model expects, in order. */
  readonly features: readonly string[];
  /** Label column name: a file may have it as its first column (then RMSE can be reported). */
  readonly label: string;
  readonly batchRows: number;
  readonly s3Endpoint?: string;
  /** Called once per file with whether it has the label column. */
  readonly onFile?: (name: string, hasLabel: boolean) => void;
}

/**
 * Checks a predict input header: the model's feature names in order, optionally preceded by the
 * label column. Returns whether the label is there.
 */
export function checkPredictHeader(line: string, file: string, features: readonly string[], label: string): boolean {
  const names = line.split(',').map((s) => s.trim());
  const hasLabel = names[0] === label;
  const got = hasLabel ? names.slice(1) : names;
  if (got.length !== features.length || got.some((n, i) => n !== features[i])) {
    const i = got.findIndex((n, k) => n !== features[k]);
    const where = i < 0 ? `has ${got.length} feature columns, expected ${features.length}` : `column ${i + 1 + (hasLabel ? 1 : 0)} is "${got[i] ?? ''}", expected "${features[i] ?? '(none)'}"`;
    throw new DojoError('BAD_DATA', `${file}:1: header ${where} (expected [${label},]${features.join(',')})`);
  }
  return hasLabel;
}

/**
 * Parses one row of `cols` numbers at `pos` (a complete line: an LF follows): the first into
 * `y[r]` when `labelled`, the rest into `x[r*nf ..]`. Returns the index of the row's LF, or -1 when
 * the row is not in the common decimal form (the caller then takes the exact path).
 */
function parseRowFast(buf: Uint8Array, pos: number, cols: number, labelled: boolean, x: Float64Array, y: Float64Array, r: number): number {
  let i = pos;
  const nf = labelled ? cols - 1 : cols;
  let o = r * nf;
  for (let col = 0; col < cols; col++) {
    let c = buf[i]!;
    while (c === SPACE || c === TAB) c = buf[++i]!;
    let neg = false;
    if (c === 45) {
      neg = true;
      c = buf[++i]!;
    } else if (c === 43) c = buf[++i]!;
    let m = 0;
    let digits = 0;
    let exp = 0;
    let d = c - 48;
    while (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
      d = buf[++i]! - 48;
    }
    if (buf[i] === 46) {
      d = buf[++i]! - 48;
      while (d >= 0 && d <= 9) {
        m = m * 10 + d;
        digits++;
        exp--;
        d = buf[++i]! - 48;
      }
    }
    c = buf[i]!;
    if (digits === 0 || m > MAX_EXACT || c === 101 || c === 69 || exp < -22) return -1;
    const v = exp === 0 ? m : m / POW10[-exp]!;
    if (labelled && col === 0) y[r] = neg ? -v : v;
    else x[o++] = neg ? -v : v;
    while (c === SPACE || c === TAB) c = buf[++i]!;
    if (col < cols - 1) {
      if (c !== COMMA) return -1;
      i++;
    } else {
      if (c === CR) c = buf[++i]!;
      if (c !== LF) return -1;
    }
  }
  return i;
}

/** The exact path: Number() per field after a decimal check; returns an error text or undefined. */
function parseRowExact(text: string, names: readonly string[], labelled: boolean, x: Float64Array, y: Float64Array, r: number): string | undefined {
  const fields = text.replace(/\r$/, '').split(',');
  if (fields.length !== names.length) return `expected ${names.length} columns, found ${fields.length}`;
  const nf = labelled ? names.length - 1 : names.length;
  for (let col = 0; col < names.length; col++) {
    const t = fields[col]!.trim();
    const v = DECIMAL.test(t) ? Number(t) : NaN;
    if (!Number.isFinite(v)) return `column ${names[col]}: ${JSON.stringify(t)} is not a number`;
    if (labelled && col === 0) y[r] = v;
    else x[r * nf + col - (labelled ? 1 : 0)] = v;
  }
  return undefined;
}

/**
 * Streams the rows of every object matching `glob` (in name order) as batches of up to `batchRows`
 * rows, reusing the batch buffers: consume a batch before asking for the next. Labels are read
 * only when every file has the label column (`y` undefined otherwise). A bad row stops with
 * `file:line: column <name>: "<text>" is not a number`.
 */
export async function* readPredictBatches(glob: string, opts: PredictReadOptions): AsyncGenerator<PredictBatch> {
  const objects = await resolveGlob(glob, { s3Endpoint: opts.s3Endpoint });
  const nf = opts.features.length;
  const cap = opts.batchRows;
  const x = new Float64Array(cap * nf);
  const y = new Float64Array(cap);
  let rows = 0;
  let labels: boolean | undefined;
  for (const ref of objects) {
    const stream = await openObject(ref, opts.s3Endpoint);
    let carry: Buffer = Buffer.alloc(0);
    let line = 0;
    let labelled = false;
    let names: readonly string[] = opts.features;
    let cols = nf;
    try {
      for (let chunk = await stream.next(), eof = false; !eof; ) {
        let buf: Buffer;
        if (chunk) {
          buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        } else {
          eof = true;
          if (carry.length === 0) break;
          buf = Buffer.concat([carry, Buffer.of(LF)]);
        }
        const last = buf.lastIndexOf(LF);
        if (last < 0) {
          carry = Buffer.from(buf);
          chunk = await stream.next();
          continue;
        }
        let pos = 0;
        if (line === 0) {
          const nl = buf.indexOf(LF);
          let head = buf.toString('utf8', 0, nl).replace(/\r$/, '');
          if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
          labelled = checkPredictHeader(head, ref.name, opts.features, opts.label);
          if (labels !== undefined && labels !== labelled) {
            throw new DojoError('BAD_DATA', `${ref.name}:1: ${labelled ? 'has' : 'lacks'} the label column ${opts.label} but earlier files do${labelled ? ' not' : ''}: use files of one kind`);
          }
          labels = labelled;
          opts.onFile?.(ref.name, labelled);
          names = labelled ? [opts.label, ...opts.features] : opts.features;
          cols = names.length;
          pos = nl + 1;
          line = 1;
        }
        while (pos <= last) {
          if (rows === cap) {
            yield { x, y: labels ? y : undefined, rows };
            rows = 0;
          }
          line++;
          const end = parseRowFast(buf, pos, cols, labelled, x, y, rows);
          if (end >= 0) {
            pos = end + 1;
            rows++;
            continue;
          }
          const nl = buf.indexOf(LF, pos);
          const text = buf.toString('utf8', pos, nl);
          pos = nl + 1;
          if (text.trim() === '') continue;
          const why = parseRowExact(text, names, labelled, x, y, rows);
          if (why) throw new DojoError('BAD_DATA', `${ref.name}:${line}: ${why}`);
          rows++;
        }
        carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : Buffer.alloc(0);
        if (!eof) chunk = await stream.next();
      }
      if (line === 0) throw new DojoError('BAD_DATA', `${ref.name}: empty file: expected a header row ${[opts.label, ...opts.features].join(',')}`);
    } finally {
      await stream.close();
    }
  }
  if (rows > 0) yield { x, y: labels ? y : undefined, rows };
}
