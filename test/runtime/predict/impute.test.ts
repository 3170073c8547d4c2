import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { handler } from '../../../lib/cli/commands/predict';
import { CSV_HEADER, FEATURE_NAMES } from '../../../runtime/src/data/schema';
import type { DType } from '../../../runtime/src/data/types';
import { parseHParams, type Model } from '../../../runtime/src/model';
import { decodeModel, saveModel } from '../../../runtime/src/model-file';
import { train } from '../../../runtime/src/train';
import { rng, tempData, tripRow } from '../prep/gen';

let data: ReturnType<typeof tempData>;
let trainGlob: string;
let valGlob: string;
/** Rows to predict: [label, 8 features]. */
let rows: number[][];

/** Bad feature fields, each in its own row and column of the predict input: `[row, feature, text]`. */
const DIRTY: readonly (readonly [number, number, string])[] = [
  [0, 0, ''],
  [3, 1, 'abc'],
  [3, 6, 'NaN'],
  [7, 2, 'inf'],
  [11, 3, '-Infinity'],
  [12, 4, ' '],
  [20, 5, 'n/a'],
  [21, 7, 'Infinity'],
  [21, 0, 'nan'],
];

beforeAll(() => {
  data = tempData();
  const r = rng(11);
  const trainRows: (number | string)[][] = Array.from({ length: 4000 }, () => tripRow(r));
  // Some dirty training rows too, so the saved means come from a training set with gaps.
  for (let i = 0; i < 40; i++) trainRows[i * 97]![1 + (i % 8)] = i % 2 ? '' : 'x';
  rows = Array.from({ length: 50 }, () => tripRow(r));
  trainGlob = data.write('train.csv', trainRows);
  valGlob = data.write('val.csv', rows);
});
afterAll(() => data.cleanup());

const tiny = { num_hidden_neurons: [16, 8], batch_size: 256, max_batches: 60, optimizer: 'Adam', lr: 0.003, seed: 5 };

/** Trains a small model with the given stages and saves it; returns the model file's path. */
async function savedModel(name: string, stages: object, dtype: DType): Promise<string> {
  let model: Model | undefined;
  await train({
    hparams: parseHParams({ ...tiny, ...stages, batch_norm_linear_layers: 1 }),
    train: trainGlob, val: valGlob, dtype, onBadRow: 'skip', shardSize: 5000,
    onTrained: async (m) => {
      model = m;
    },
  });
  const path = join(data.dir, `${name}.dojo`);
  await saveModel(model!, {}, path);
  return path;
}

/** Writes the predict input: the rows with the DIRTY fields replaced by `fill(feature, text)`. */
function writeInput(name: string, labelled: boolean, fill: (feature: number, text: string) => string): string {
  const text = rows.map((row) => row.slice(1).map(String));
  for (const [r, k, t] of DIRTY) text[r]![k] = fill(k, t);
  const lines = text.map((f, r) => (labelled ? [String(rows[r]![0]), ...f] : f).join(','));
  const path = join(data.dir, `${name}.csv`);
  writeFileSync(path, `${(labelled ? CSV_HEADER : FEATURE_NAMES).join(',')}\n${lines.join('\n')}\n`);
  return path;
}

async function predict(model: string, input: string): Promise<{ predictions: number[]; summary: Record<string, unknown>; err: string[] }> {
  const io = memoryIo({});
  const output = `${input}.out`;
  const code = await handler([], { batch: 16, model, input, output } as never, { io, debug: false });
  expect(code).toBe(0);
  const predictions = readFileSync(output, 'utf8').trimEnd().split('\n').slice(1).map(Number);
  return { predictions, summary: JSON.parse(io.stdout[0]!) as Record<string, unknown>, err: io.stderr };
}

describe('dojo predict applies the saved missing stage', () => {
  const cases = [
    { dtype: 'float64', stages: { missing: 'mean', bins: 64, scale: 'standard' }, labelled: true },
    { dtype: 'float64', stages: { missing: 'mean' }, labelled: false },
    { dtype: 'float32', stages: { missing: 'mean' }, labelled: true },
    // The Preparer imputes the mean rounded to float32, as a written-in mean is read: with bins the two
    // must land in the same bin even where a mean falls on a bin edge (the DC box's midpoint is one).
    { dtype: 'float32', stages: { missing: 'mean', bins: 64, scale: 'standard' }, labelled: true },
  ] as const;
  it.each(cases)('missing=mean ($dtype, $stages): a dirty row predicts exactly as the row with the saved means written in', async ({ dtype, stages, labelled }) => {
    const model = await savedModel(`mean-${dtype}-${Object.keys(stages).length}`, stages, dtype);
    const { header } = decodeModel(readFileSync(model), model);
    const means = (header.preprocessing as { means: number[] }).means;
    expect(means).toHaveLength(8);
    const dirty = await predict(model, writeInput(`dirty-${dtype}-${labelled}`, labelled, (_k, t) => t));
    // String(mean) reads back as the same double, so the clean file holds exactly the imputed values.
    const clean = await predict(model, writeInput(`clean-${dtype}-${labelled}`, labelled, (k) => String(means[k])));
    expect(dirty.predictions).toHaveLength(rows.length);
    dirty.predictions.forEach((p, i) => expect(Object.is(p, clean.predictions[i]), `row ${i}`).toBe(true));
    expect(dirty.predictions.every(Number.isFinite)).toBe(true);
    expect(dirty.summary).toMatchObject({ rows: rows.length, values_imputed: DIRTY.length });
    expect(clean.summary).toMatchObject({ rows: rows.length, values_imputed: 0 });
    if (labelled) expect(dirty.summary.rmse).toBe(clean.summary.rmse);
    expect(dirty.err.join('\n')).toMatch(/9 bad feature values imputed with the training means/);
  }, 60_000);

  it('missing=drop: refuses a dirty row with file:line, the column and why (predict cannot drop)', async () => {
    const model = await savedModel('drop', { missing: 'drop', scale: 'standard' }, 'float64');
    const input = writeInput('dirty-drop', false, (_k, t) => t);
    await expect(predict(model, input)).rejects.toThrow(/dirty-drop\.csv:2: column origin_block_latitude_double: "" is not a number \(the model was trained with missing=drop, and predict cannot drop a row: .* missing=mean/);
    // The failed run leaves no output file, half-written or otherwise, beside the input.
    expect(existsSync(`${input}.out`)).toBe(false);
    expect(readdirSync(dirname(input)).filter((f) => f.includes('.partial'))).toEqual([]);
  }, 60_000);

  it('no stage: refuses a dirty row with file:line and the column, and the summary has no values_imputed', async () => {
    const model = await savedModel('raw', {}, 'float64');
    await expect(predict(model, writeInput('dirty-raw', false, (_k, t) => t))).rejects.toThrow(/dirty-raw\.csv:2: column origin_block_latitude_double: "" is not a number \(fix the row, or use a model trained with missing=mean/);
    const ok = await predict(model, writeInput('clean-raw', false, (k) => String(rows[0]![k + 1])));
    expect(ok.summary.rows).toBe(rows.length);
    expect(ok.summary).not.toHaveProperty('values_imputed');
  }, 60_000);
});
