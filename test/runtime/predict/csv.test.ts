import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, LABEL_NAME } from '../../../runtime/src/data/schema';
import { decimalText } from '../data/decimals';
import { badFeatureRules, readPredictBatches, type PredictReadOptions } from '../../../runtime/src/predict/csv';

const dir = mkdtempSync(join(tmpdir(), 'dojo-predict-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes a predict input file (header + lines) and returns its path. */
function write(lines: readonly string[], labelled = false): string {
  const path = join(dir, `in-${files++}.csv`);
  writeFileSync(path, `${(labelled ? [LABEL_NAME, ...FEATURE_NAMES] : FEATURE_NAMES).join(',')}\n${lines.join('\n')}\n`);
  return path;
}

/** Every row read: features, labels and the marked count summed over batches. */
async function readAll(path: string, opts: Partial<PredictReadOptions> = {}): Promise<{ x: number[]; y: number[]; rows: number; marked: number }> {
  const x: number[] = [];
  const y: number[] = [];
  let rows = 0;
  let marked = 0;
  for await (const b of readPredictBatches(path, { features: FEATURE_NAMES, label: LABEL_NAME, batchRows: 3, ...opts })) {
    x.push(...b.x.subarray(0, b.rows * 8));
    if (b.y) y.push(...b.y.subarray(0, b.rows));
    rows += b.rows;
    marked += b.marked;
  }
  return { x, y, rows, marked };
}

describe('readPredictBatches', () => {
  it('parses decimals exactly like Number(), with and without the label column (property)', async () => {
    // Blanks around a field are allowed, as in the training reader.
    const decimal = fc.tuple(decimalText, fc.constantFrom('', ' ', '\t')).map(([t, b]) => `${b}${t}${b}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(decimal, { minLength: 9, maxLength: 9 }), { minLength: 1, maxLength: 7 }), fc.boolean(), async (rows, labelled) => {
        const lines = rows.map((r) => (labelled ? r : r.slice(1)).join(','));
        const got = await readAll(write(lines, labelled));
        expect(got.rows).toBe(rows.length);
        rows.forEach((r, i) => {
          r.slice(1).forEach((t, k) => expect(Object.is(got.x[i * 8 + k], Number(t))).toBe(true));
          if (labelled) expect(Object.is(got.y[i], Number(r[0]))).toBe(true);
        });
        expect(got.marked).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it("badFeatures 'nan': empty, non-numeric, NaN and infinite features become NaN, the row is kept and counted", async () => {
    const path = write(['1,2,3,4,5,6,7,8', ',2,abc,4,NaN,6,inf,8', '1,2,3,4,5,6,7,-Infinity', ' , ,3,4,5,6,7,8\r', '1.5,2,3,4,5,6,7,8'], false);
    const got = await readAll(path, { badFeatures: 'nan' });
    expect(got.rows).toBe(5);
    expect(got.marked).toBe(4 + 1 + 2);
    const nanAt = got.x.flatMap((v, i) => (Number.isNaN(v) ? [i] : []));
    expect(nanAt).toEqual([8, 10, 12, 14, 23, 24, 25]);
    expect(got.x.slice(32)).toEqual([1.5, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("badFeatures 'nan' still refuses a wrong column count and a bad label, with file:line", async () => {
    const few = write(['1,2,3,4,5,6,7,8', '1,2,,4,5,6,7']);
    await expect(readAll(few, { badFeatures: 'nan' })).rejects.toThrow(/in-\d+\.csv:3: expected 8 columns, found 7$/);
    const label = write(['9,1,2,3,4,5,6,7,8', 'x,1,2,,4,5,6,7,8'], true);
    await expect(readAll(label, { badFeatures: 'nan' })).rejects.toThrow(/in-\d+\.csv:3: column fareamount_double: "x" is not a number \(the label column is read only for the RMSE/);
  });

  it("badFeatures 'fail' (the default) names file:line, the column and the caller's hint", async () => {
    const path = write(['1,2,3,4,5,6,7,8', '1,2,3,4,5,6,7,8', '1,2,3,4,,6,7,8']);
    await expect(readAll(path)).rejects.toThrow(/in-\d+\.csv:4: column year_integer: "" is not a number$/);
    await expect(readAll(path, badFeatureRules('drop'))).rejects.toThrow(/in-\d+\.csv:4: column year_integer: "" is not a number \(the model was trained with missing=drop, .*train.* missing=mean/);
    await expect(readAll(path, badFeatureRules(null))).rejects.toThrow(/in-\d+\.csv:4: column year_integer: "" is not a number \(fix the row/);
    expect(badFeatureRules('mean')).toEqual({ badFeatures: 'nan' });
  });
});
