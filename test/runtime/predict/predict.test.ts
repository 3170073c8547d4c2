import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { handler } from '../../../lib/cli/commands/predict';
import { CSV_HEADER, FEATURE_NAMES } from '../../../runtime/src/data/schema';
import { forward, type Model } from '../../../runtime/src/model';
import { saveModel } from '../../../runtime/src/model-file';
import { fakeData, trainedModel } from '../model-file/helpers';

const dir = mkdtempSync(join(tmpdir(), 'dojo-predict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes rows as CSV text (shortest round-trip decimals), with or without the label column. */
function writeCsv(path: string, x: ArrayLike<number>, y: ArrayLike<number>, rows: number, labelled: boolean, crlf = false): void {
  const nl = crlf ? '\r\n' : '\n';
  const lines = [(labelled ? CSV_HEADER : FEATURE_NAMES).join(',')];
  for (let r = 0; r < rows; r++) {
    const f = Array.from({ length: 8 }, (_, k) => String(x[r * 8 + k]));
    lines.push((labelled ? [String(y[r]), ...f] : f).join(','));
  }
  writeFileSync(path, '\ufeff' + lines.join(nl) + nl);
}

async function run(opts: Record<string, unknown>): Promise<{ code: number; out: string[]; err: string[] }> {
  const io = memoryIo({});
  const code = await handler([], { batch: 1000, ...opts } as never, { io, debug: false });
  return { code, out: io.stdout, err: io.stderr };
}

function expectedPredictions(model: Model, x: Float64Array | Float32Array, rows: number): number[] {
  const xs = model.dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x);
  return Array.from(forward(model, xs, rows));
}

describe('dojo predict', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const bn of [0, 1] as const) {
      it(`train -> save -> load -> predict CSV is bit-identical to the in-memory model (${dtype}, BN ${bn})`, async () => {
        const model = await trainedModel(dtype, bn);
        const path = join(dir, `m-${dtype}-${bn}.dojo`);
        await saveModel(model, {}, path);
        // Two files, 8-feature (no label), rows not a multiple of the batch; text parsed as Number(text).
        const a = fakeData(1234, 'float64', 3);
        const b = fakeData(777, 'float64', 4);
        writeCsv(join(dir, `in-${dtype}-${bn}-a.csv`), a.x, a.y, 1234, false);
        writeCsv(join(dir, `in-${dtype}-${bn}-b.csv`), b.x, b.y, 777, false, true);
        const output = join(dir, `out-${dtype}-${bn}.csv`);
        const r = await run({ model: path, input: join(dir, `in-${dtype}-${bn}-*.csv`), output });
        expect(r.code).toBe(0);
        const summary = JSON.parse(r.out[0]!) as Record<string, unknown>;
        expect(summary).toMatchObject({ rows: 2011, files: 2, dtype });
        expect(summary.rmse).toBeUndefined();
        const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
        expect(lines[0]).toBe('prediction');
        const got = lines.slice(1).map(Number);
        const x = new Float64Array(2011 * 8);
        x.set(a.x);
        x.set(b.x, 1234 * 8);
        const want = expectedPredictions(model, x, 2011);
        expect(got.map((v) => (dtype === 'float32' ? Math.fround(v) : v))).toEqual(want);
        expect(r.err.join('\n')).toMatch(/rows\/s end to end/);
      });
    }
  }

  it('reports RMSE when the files carry the label column, and writes CSV to stdout without --output', async () => {
    const model = await trainedModel('float64', 1);
    const path = join(dir, 'rmse.dojo');
    await saveModel(model, {}, path);
    const d = fakeData(500, 'float64', 5);
    writeCsv(join(dir, 'lab.csv'), d.x, d.y, 500, true);
    const r = await run({ model: path, input: join(dir, 'lab.csv') });
    expect(r.code).toBe(0);
    const preds = r.out.join('\n').split('\n');
    expect(preds[0]).toBe('prediction');
    const p = expectedPredictions(model, d.x, 500);
    expect(preds.slice(1).map(Number)).toEqual(p);
    const rmse = Math.sqrt(p.reduce((s, v, i) => s + (v - d.y[i]!) ** 2, 0) / 500);
    const summary = JSON.parse(r.err.at(-1)!) as { rmse: number };
    expect(summary.rmse).toBeCloseTo(rmse, 10);
  });

  it('refuses a wrong header and a bad row with file:line', async () => {
    const model = await trainedModel('float32', 0);
    const path = join(dir, 'bad.dojo');
    await saveModel(model, {}, path);
    writeFileSync(join(dir, 'hdr.csv'), 'a,b\n1,2\n');
    await expect(run({ model: path, input: join(dir, 'hdr.csv') })).rejects.toThrow(/hdr\.csv:1: header column 1 is "a", expected "origin_block_latitude_double"/);
    writeFileSync(join(dir, 'row.csv'), `${FEATURE_NAMES.join(',')}\n1,2,3,4,5,6,7,8\n\n1,2,3,x,5,6,7,8\n`);
    await expect(run({ model: path, input: join(dir, 'row.csv') })).rejects.toThrow(/row\.csv:4: column destination_block_longitude_double: "x" is not a number/);
    writeFileSync(join(dir, 'few.csv'), `${FEATURE_NAMES.join(',')}\n1,2,3\n`);
    await expect(run({ model: path, input: join(dir, 'few.csv') })).rejects.toThrow(/few\.csv:2: expected 8 columns, found 3/);
    await expect(run({ model: join(dir, 'row.csv'), input: join(dir, 'row.csv') })).rejects.toThrow(/row\.csv: not a dojo model file/);
    await expect(run({ model: 'runs:/abc/model', input: join(dir, 'row.csv') })).rejects.toThrow(/needs a tracking server/);
  });

  it('refuses a model with a preprocessing stage it cannot apply (no predictions on raw columns)', async () => {
    const model = await trainedModel('float32', 0);
    const path = join(dir, 'prep.dojo');
    await saveModel(model, { preprocessing: { missing: 'mean', means: [1, 2, 3, 4, 5, 6, 7, 8] } }, path);
    writeFileSync(join(dir, 'prep.csv'), `${FEATURE_NAMES.join(',')}\n1,2,3,4,5,6,7,8\n`);
    await expect(run({ model: path, input: join(dir, 'prep.csv') })).rejects.toThrow(/data-preparation stage \(preprocessing: \["missing","means"\]\) that dojo predict cannot apply yet/);
  });

  it('parses exponents, signs and blanks like Number()', async () => {
    const model = await trainedModel('float64', 0);
    const path = join(dir, 'num.dojo');
    await saveModel(model, {}, path);
    const vals = ['3.8e1', ' -77.0 ', '+38.9', '-7.7E+1', '2016', '1.', '.5e1', '12'];
    writeFileSync(join(dir, 'num.csv'), `${FEATURE_NAMES.join(',')}\n${vals.join(',')}\n`);
    const r = await run({ model: path, input: join(dir, 'num.csv') });
    expect(Number(r.out.join('\n').split('\n')[1])).toBe(expectedPredictions(model, Float64Array.from(vals.map(Number)), 1)[0]);
  });
});
