import { DojoError } from '../../../lib/errors';
import { resolveGlob } from '../data/glob';
import { decimalValue, lineEnd, parseFieldFast, parseFieldWide } from '../data/number-field';
import { openObject } from '../data/source';
import { S3Clients } from '../data/s3';

const LF = 10;
const COMMA = 44;

/** A batch of input rows for prediction: `x: [rows, features]` row-major; `y` when the files carry labels. */
export interface PredictBatch {
  readonly x: Float64Array;
  readonly y: Float64Array | undefined;
  readonly rows: number;
  /** Feature values of this batch that were bad and are NaN in `x` (only with `badFeatures: 'nan'`). */
  readonly marked: number;
}

/**
 * What a bad feature field (empty, non-numeric, NaN, ±Infinity) does: `fail` stops with
 * `file:line: column <name>`; `nan` keeps the row with NaN there, for a preparation that imputes it.
 */
export type BadFeaturePolicy = 'fail' | 'nan';

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
  /** What a bad feature field does (a bad label fails under either policy: the RMSE is measured against it). @default 'fail' */
  readonly badFeatures?: BadFeaturePolicy;
  /** Added in parentheses to the message of a refused bad feature, e.g. why this model cannot take it. @default none */
  readonly badFieldHint?: string;
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
 * Parses one row of `cols` numbers at `pos` (a complete line: an LF follows) with the training
 * reader's field parsers: the first into `y[r]` when `labelled`, the rest into `x[r*nf ..]`.
 * Returns the index of the row's LF, or -1 when a field is not a plain decimal or the row has
 * another shape (the caller then takes the exact path).
 */
function parseRow(buf: Uint8Array, pos: number, cols: number, labelled: boolean, x: Float64Array, y: Float64Array, r: number): number {
  let i = pos;
  let o = r * (labelled ? cols - 1 : cols);
  for (let col = 0; col < cols; col++) {
    if (col > 0) {
      if (buf[i] !== COMMA) return -1;
      i++;
    }
    const label = labelled && col === 0;
    const out = label ? y : x;
    const at = label ? r : o++;
    let end = parseFieldFast(buf, i, out, at);
    if (end < 0) end = parseFieldWide(buf, i, out, at);
    if (end < 0) return -1;
    i = end;
  }
  return lineEnd(buf, i);
}

/**
 * The exact path: `Number()` per field after a decimal check. Returns the number of features set
 * to NaN (`nan` policy: bad features), or the problem (wrong column count, a bad label, or under
 * `fail` a bad feature, followed by `hint`).
 */
function parseRowExact(text: string, names: readonly string[], labelled: boolean, nan: boolean, hint: string, x: Float64Array, y: Float64Array, r: number): number | string {
  const fields = text.replace(/\r$/, '').split(',');
  if (fields.length !== names.length) return `expected ${names.length} columns, found ${fields.length}`;
  const nf = labelled ? names.length - 1 : names.length;
  let marked = 0;
  for (let col = 0; col < names.length; col++) {
    const v = decimalValue(fields[col]!);
    const label = labelled && col === 0;
    if (v !== v) {
      const what = `column ${names[col]}: ${JSON.stringify(fields[col]!.trim())} is not a number`;
      if (label) return `${what} (the label column is read only for the RMSE: fix it or leave the column out)`;
      if (!nan) return what + hint;
      marked++;
    }
    if (label) y[r] = v;
    else x[r * nf + col - (labelled ? 1 : 0)] = v;
  }
  return marked;
}

/**
 * Streams the rows of every object matching `glob` (in name order) as batches of up to `batchRows`
 * rows, reusing the batch buffers: consume a batch before asking for the next. Labels are read
 * only when every file has the label column (`y` undefined otherwise). A row of the wrong width or
 * with a bad label stops with `file:line: ...`; a bad feature too, unless `badFeatures` is `nan`
 * (then it is NaN in `x` and counted in the batch's `marked`).
 */
export async function* readPredictBatches(glob: string, opts: PredictReadOptions): AsyncGenerator<PredictBatch> {
  const s3 = new S3Clients();
  const objects = await resolveGlob(glob, { s3Endpoint: opts.s3Endpoint, s3 });
  const nf = opts.features.length;
  const cap = opts.batchRows;
  const x = new Float64Array(cap * nf);
  const y = new Float64Array(cap);
  const nan = opts.badFeatures === 'nan';
  const hint = opts.badFieldHint ? ` (${opts.badFieldHint})` : '';
  let rows = 0;
  let marked = 0;
  let labels: boolean | undefined;
  for (const ref of objects) {
    const stream = await openObject(ref, opts.s3Endpoint, s3);
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
            yield { x, y: labels ? y : undefined, rows, marked };
            rows = 0;
            marked = 0;
          }
          line++;
          const end = parseRow(buf, pos, cols, labelled, x, y, rows);
          if (end >= 0) {
            pos = end + 1;
            rows++;
            continue;
          }
          const nl = buf.indexOf(LF, pos);
          const text = buf.toString('utf8', pos, nl);
          pos = nl + 1;
          if (text.trim() === '') continue;
          const got = parseRowExact(text, names, labelled, nan, hint, x, y, rows);
          if (typeof got === 'string') throw new DojoError('BAD_DATA', `${ref.name}:${line}: ${got}`);
          marked += got;
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
  if (rows > 0) yield { x, y: labels ? y : undefined, rows, marked };
}

/**
 * How predict reads bad feature fields for a model's `missing` stage: `mean` imputes them (the
 * reader yields NaN, the preparation puts the training mean there); `drop` cannot apply, since
 * predict writes one prediction per input row, so it fails and says so; no stage fails as training does.
 */
export function badFeatureRules(missing: 'drop' | 'mean' | null | undefined): Pick<PredictReadOptions, 'badFeatures' | 'badFieldHint'> {
  if (missing === 'mean') return { badFeatures: 'nan' };
  if (missing === 'drop') {
    return { badFeatures: 'fail', badFieldHint: 'the model was trained with missing=drop, and predict cannot drop a row: it writes one prediction per input row; fix the row, or use a model trained with missing=mean, which imputes the training mean' };
  }
  return { badFeatures: 'fail', badFieldHint: 'fix the row, or use a model trained with missing=mean, which imputes the training mean' };
}
