import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../runtime/src/data/types';
import { forward } from '../../../runtime/src/model';
import { decodeModel, encodeModel } from '../../../runtime/src/model-file';
import { exportOnnx, exportPrepOnnx, ONNX_INPUT, ONNX_OUTPUT, ONNX_PREPARED } from '../../../runtime/src/export';
import { Preparer, preparedWidth, type FittedPrep, type PrepParams } from '../../../runtime/src/prep';
import { decimalEdgeRows, preparedModel, rawRows } from './prep-data';

ort.env.wasm.numThreads = 1;

async function run(onnx: Uint8Array, x: Float32Array | Float64Array, rows: number, output: string): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  try {
    const res = await session.run({ [ONNX_INPUT]: new ort.Tensor(x instanceof Float64Array ? 'float64' : 'float32', x, [rows, 8]) });
    const t = res[output]!;
    return { dims: t.dims, data: t.data as Float32Array };
  } finally {
    await session.release();
  }
}

/**
 * The Preparer's batch for the raw rows (what `dojo predict` feeds the network). predict's reader
 * hands a bad field (empty, non-numeric, NaN, ±Infinity) to the Preparer as NaN; the graph gets the
 * raw values, so it treats ±Infinity as missing itself.
 */
function prepared(prep: FittedPrep, dtype: DType, raw: { readonly x: Float32Array | Float64Array; readonly rows: number }): ReturnType<Preparer['apply']> {
  const read = Float64Array.from(raw.x, (v) => (Number.isFinite(v) ? v : NaN));
  const x = dtype === 'float32' ? Float32Array.from(read) : read;
  const b = new Preparer(prep, dtype, raw.rows).apply({ x, y: new Float64Array(raw.rows), rows: raw.rows, numFeatures: 8 });
  expect(b.rows).toBe(raw.rows);
  return b;
}

/**
 * Compares the ONNX preparation's dense output with the Preparer's batch exactly: numeric columns
 * equal after rounding to float32, one-hot blocks 1 exactly at the Preparer's indices. Returns the
 * number of rows that differ in any column (and so, with bins, the rows binned differently).
 */
function differingRows(prep: FittedPrep, theirs: Float32Array, ours: ReturnType<Preparer['apply']>): number {
  const width = preparedWidth(prep.bins);
  const nc = prep.bins > 0 ? 4 : 8;
  const hot = ours.sparse?.index;
  let bad = 0;
  for (let r = 0; r < ours.rows; r++) {
    let ok = true;
    for (let j = 0; j < nc; j++) if (!Object.is(theirs[r * width + j], Math.fround(ours.x[r * nc + j]!))) ok = false;
    if (hot) {
      const ones = new Set([0, 1, 2, 3].map((c) => hot[r * 4 + c]!));
      for (let j = nc; j < width; j++) if (theirs[r * width + j] !== (ones.has(j) ? 1 : 0)) ok = false;
    }
    if (!ok) bad++;
  }
  return bad;
}

const combos = [0, 64, 128].flatMap((bins) => (['none', 'standard'] as const).flatMap((scale) => ([0, 1] as const).map((bn) => ({ bins, scale, bn }))));

describe('ONNX export of a model with a fitted preparation (missing=mean)', () => {
  it.each(combos)('bins $bins, scale $scale, BN $bn: prepared inputs bit-identical to the Preparer and predictions within 1e-5 of forward', async ({ bins, scale, bn }) => {
    const params: PrepParams = { missing: 'mean', bins, scale };
    const { model } = await preparedModel(params, bn);
    const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
    const prep = loaded.prep!;
    const raw = rawRows(bins, true);
    const ours = prepared(prep, 'float32', raw);

    const pre = await run(exportPrepOnnx(prep), raw.x, raw.rows, ONNX_PREPARED);
    expect(pre.dims).toEqual([raw.rows, preparedWidth(bins)]);
    expect(differingRows(prep, pre.data, ours)).toBe(0);

    const expected = forward(loaded, ours.x, ours.rows, undefined, ours.sparse?.index);
    const out = await run(exportOnnx(loaded, header), raw.x, raw.rows, ONNX_OUTPUT);
    expect(out.dims).toEqual([raw.rows, 1]);
    let worst = 0;
    for (let i = 0; i < raw.rows; i++) worst = Math.max(worst, Math.abs(out.data[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it('edge rows would catch a float32 binning pipeline: it puts some of them in another bin', () => {
    for (const bins of [64, 128]) {
      const raw = rawRows(bins, false);
      expect(raw.edgeRows).toBeGreaterThan(4 * (bins + 1) * 7 - 1);
      expect(raw.f32Misbinned).toBeGreaterThan(0);
    }
  });

  it('a float64 model: the same bins, numeric columns equal to float32 rounding, predictions within 1e-5', async () => {
    const { model } = await preparedModel({ missing: 'mean', bins: 64, scale: 'standard' }, 1, 'float64');
    const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
    const raw = rawRows(64, true);
    const ours = prepared(loaded.prep!, 'float64', raw);
    const pre = await run(exportPrepOnnx(loaded.prep!, { dtype: 'float64' }), raw.x, raw.rows, ONNX_PREPARED);
    expect(differingRows(loaded.prep!, pre.data, ours)).toBe(0);
    const expected = forward(loaded, ours.x, ours.rows, undefined, ours.sparse?.index);
    const out = await run(exportOnnx(loaded, header), raw.x, raw.rows, ONNX_OUTPUT);
    for (let i = 0; i < raw.rows; i++) expect(Math.abs(out.data[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!))).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  for (const bins of [64, 128]) {
    it(`a float64 model, bins ${bins}, exported with float64 input: 6-decimal edge coordinates land in predict's bins (float32 input moves some)`, async () => {
      const { model } = await preparedModel({ missing: 'mean', bins, scale: 'standard' }, 1, 'float64');
      const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
      const prep = loaded.prep!;
      const raw = decimalEdgeRows(bins);
      const ours = prepared(prep, 'float64', raw);
      const pre = await run(exportPrepOnnx(prep, { inputType: 'float64' }), raw.x, raw.rows, ONNX_PREPARED);
      expect(differingRows(prep, pre.data, ours)).toBe(0);
      const expected = forward(loaded, ours.x, ours.rows, undefined, ours.sparse?.index);
      const out = await run(exportOnnx(loaded, header, { inputType: 'float64' }), raw.x, raw.rows, ONNX_OUTPUT);
      for (let i = 0; i < raw.rows; i++) expect(Math.abs(out.data[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!))).toBeLessThanOrEqual(1e-5);
      // Why the option exists: the same rows rounded to float32 bin differently from predict.
      const pre32 = await run(exportPrepOnnx(prep), Float32Array.from(raw.x), raw.rows, ONNX_PREPARED);
      expect(differingRows(prep, pre32.data, ours)).toBeGreaterThan(0);
    }, 60_000);
  }

  it('a float64 input for a model that does not impute: NaN rows still predict NaN', async () => {
    const { model } = await preparedModel({ missing: 'drop', bins: 64 }, 0, 'float64');
    const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
    const raw = decimalEdgeRows(64);
    raw.x[8 * 5 + 2] = NaN;
    raw.x[8 * 9 + 6] = Infinity;
    const out = await run(exportOnnx(loaded, header, { inputType: 'float64' }), raw.x, raw.rows, ONNX_OUTPUT);
    out.data.forEach((v, i) => expect(Number.isNaN(v)).toBe(i === 5 || i === 9));
  }, 60_000);

  it('records the preparation in metadata_props (dojo.preprocessing)', async () => {
    const { model } = await preparedModel({ missing: 'mean', bins: 64, scale: 'standard' }, 0);
    const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
    const text = new TextDecoder('latin1').decode(exportOnnx(loaded, header));
    expect(text).toContain('dojo.preprocessing');
    expect(text).toContain(JSON.stringify(loaded.prep));
  });
});

describe('ONNX export refusals', () => {
  it('refuses a preprocessing section that is not dojo-prep, and a preparation whose width does not match the network', async () => {
    const { editHeader } = await import('../model-file/helpers');
    const { model } = await preparedModel({ missing: 'mean', bins: 64 }, 0);
    const other = decodeModel(editHeader(encodeModel(model), (h) => void (h.preprocessing = { kind: 'sklearn' })), 'other.dojo');
    expect(other.model.prep).toBeUndefined();
    expect(() => exportOnnx(other.model, other.header)).toThrow(/not a dojo-prep section \(keys \["kind"\]\)/);
    const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
    const narrow = { ...loaded, prep: { ...loaded.prep!, bins: 32 } };
    expect(() => exportOnnx(narrow, header)).toThrow(/preprocessing.bins 32 prepares 132 inputs but hparams.num_features is 260/);
  });
});

describe('ONNX export of a preparation that does not impute (missing=drop or no missing stage)', () => {
  for (const params of [{ missing: 'drop', bins: 64, scale: 'standard' }, { bins: 128 }, { missing: 'drop', scale: 'standard' }] as const) {
    it(`${JSON.stringify(params)}: a row with a NaN or infinite feature predicts NaN (predict refuses it), other rows match forward`, async () => {
      const { model } = await preparedModel(params, 1);
      const { model: loaded, header } = decodeModel(encodeModel(model), 'mem');
      const clean = rawRows(params.bins ?? 0, false);
      const ours = prepared(loaded.prep!, 'float32', clean);
      const expected = forward(loaded, ours.x, ours.rows, undefined, ours.sparse?.index);
      const dirty = rawRows(params.bins ?? 0, true);
      expect(dirty.x.subarray(0, clean.x.length)).toEqual(clean.x);
      const out = await run(exportOnnx(loaded, header), dirty.x, dirty.rows, ONNX_OUTPUT);
      for (let i = 0; i < dirty.rows; i++) {
        if (i < clean.rows) expect(Math.abs(out.data[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!))).toBeLessThanOrEqual(1e-5);
        else expect(out.data[i]).toBeNaN();
      }
    }, 60_000);
  }
});
