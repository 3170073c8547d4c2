import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { forward, type Model } from '../../../runtime/src/model';
import { decodeModel, encodeModel } from '../../../runtime/src/model-file';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT, ProtoWriter } from '../../../runtime/src/export';
import { fakeData, trainedModel } from '../model-file/helpers';

ort.env.wasm.numThreads = 1;

describe('protobuf writer', () => {
  it('encodes varints, negative int64, floats and nested messages as the wire format says', () => {
    expect(Array.from(new ProtoWriter().int(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    expect(Array.from(new ProtoWriter().int(1, -1).finish())).toEqual([0x08, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
    expect(Array.from(new ProtoWriter().string(2, 'testing').finish())).toEqual([0x12, 7, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(Array.from(new ProtoWriter().float(2, 1).finish())).toEqual([0x15, 0, 0, 0x80, 0x3f]);
    expect(Array.from(new ProtoWriter().message(3, new ProtoWriter().int(1, 150)).finish())).toEqual([0x1a, 3, 0x08, 0x96, 0x01]);
  });
});

describe('ONNX export runs in onnxruntime-web with the same predictions', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const bn of [0, 1] as const) {
      for (const hidden of [[7, 11, 13], [3, 5, 8]]) {
        it(`${dtype}, BN ${bn ? 'on' : 'off'}, [${hidden.join(',')}]: |ours - onnx| <= 1e-5 (relative to the fare scale)`, async () => {
          const trained = await trainedModel(dtype, bn, hidden);
          const { model, header } = decodeModel(encodeModel(trained), 'mem');
          const onnx = exportOnnx(model, header);
          const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
          expect(session.inputNames).toEqual([ONNX_INPUT]);
          expect(session.outputNames).toEqual([ONNX_OUTPUT]);
          const rows = 3000;
          const { x } = fakeData(rows, dtype, 11);
          const ours = forward(model, x, rows);
          const res = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.from(x), [rows, 8]) });
          const out = res[ONNX_OUTPUT]!;
          expect(out.dims).toEqual([rows, 1]);
          const theirs = out.data as Float32Array;
          let worst = 0;
          for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(theirs[i]! - ours[i]!) / Math.max(1, Math.abs(ours[i]!)));
          expect(worst).toBeLessThanOrEqual(1e-5);
          await session.release();
        });
      }
    }
  }
});

describe('ONNX export with float64 input', () => {
  it('a model without preparation casts a float64 input to float32 first: the same predictions', async () => {
    const trained = await trainedModel('float64', 1);
    const { model, header } = decodeModel(encodeModel(trained), 'mem');
    const session = await ort.InferenceSession.create(exportOnnx(model, header, { inputType: 'float64' }), { executionProviders: ['wasm'] });
    const rows = 500;
    const { x } = fakeData(rows, 'float64', 13);
    const ours = forward(model, x, rows);
    const res = await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', Float64Array.from(x), [rows, 8]) });
    (res[ONNX_OUTPUT]!.data as Float32Array).forEach((v, i) => expect(Math.abs(v - ours[i]!) / Math.max(1, Math.abs(ours[i]!))).toBeLessThanOrEqual(1e-5));
    await session.release();
  });
});

describe('dojo model export', () => {
  it('writes an ONNX file from a saved model that onnxruntime loads, and refuses other formats', async () => {
    const { mkdtempSync, rmSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { memoryIo } = await import('../../../lib/cli/io');
    const { handler } = await import('../../../lib/cli/commands/model-export');
    const { saveModel } = await import('../../../runtime/src/model-file');
    const dir = mkdtempSync(join(tmpdir(), 'dojo-export-'));
    try {
      const model = await trainedModel('float64', 1);
      await saveModel(model, {}, join(dir, 'm.dojo'));
      const io = memoryIo({});
      const out = join(dir, 'm.onnx');
      expect(await handler([], { model: join(dir, 'm.dojo'), out, format: 'onnx', json: true } as never, { io, debug: false })).toBe(0);
      expect(JSON.parse(io.stdout[0]!)).toMatchObject({ out, format: 'onnx', opset: 13, dtype: 'float64', preprocessing: null });
      const session = await ort.InferenceSession.create(readFileSync(out));
      const { x } = fakeData(10, 'float64');
      const r = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.from(x), [10, 8]) });
      const ours = forward(model, x, 10);
      (r[ONNX_OUTPUT]!.data as Float32Array).forEach((v, i) => expect(Math.abs(v - ours[i]!)).toBeLessThan(1e-4));
      await expect(handler([], { model: join(dir, 'm.dojo'), out, format: 'pmml' } as never, { io, debug: false })).rejects.toThrow(/--format pmml: only "onnx"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a float64 model with bins: float64 input by default, which agrees with dojo predict on 6-decimal edge coordinates; --input-type float32 is warned about', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { memoryIo } = await import('../../../lib/cli/io');
    const { handler } = await import('../../../lib/cli/commands/model-export');
    const { saveModel } = await import('../../../runtime/src/model-file');
    const { predictCsv } = await import('../../../runtime/src/predict');
    const { FEATURE_NAMES } = await import('../../../runtime/src/data/schema');
    const { tempData } = await import('../prep/gen');
    const { decimalEdgeRows, preparedModel } = await import('./prep-data');
    const data = tempData();
    try {
      const { model: trained } = await preparedModel({ missing: 'mean', bins: 128, scale: 'standard' }, 1, 'float64');
      const modelPath = join(data.dir, 'm.dojo');
      await saveModel(trained, {}, modelPath);
      const out = join(data.dir, 'm.onnx');
      const io = memoryIo({});
      expect(await handler([], { model: modelPath, out, format: 'onnx', inputType: 'float32', json: true } as never, { io, debug: false })).toBe(0);
      expect(io.stderr.join('\n')).toMatch(/float64 model bins coordinates.*--input-type float64/);
      expect(JSON.parse(io.stdout[0]!)).toMatchObject({ input_type: 'float32' });
      // The default for this model: float64 input, no warning.
      const io64 = memoryIo({});
      expect(await handler([], { model: modelPath, out, format: 'onnx', json: true } as never, { io: io64, debug: false })).toBe(0);
      expect(io64.stderr).toEqual([]);
      expect(JSON.parse(io64.stdout[0]!)).toMatchObject({ input_type: 'float64', dtype: 'float64' });
      await expect(handler([], { model: modelPath, out, format: 'onnx', inputType: 'int8' } as never, { io, debug: false })).rejects.toThrow(/--input-type int8: must be float32 or float64/);
      const raw = decimalEdgeRows(128);
      const lines = Array.from({ length: raw.rows }, (_, i) => Array.from(raw.x.subarray(i * 8, i * 8 + 8)).join(','));
      const input = join(data.dir, 'edges.csv');
      writeFileSync(input, `${FEATURE_NAMES.join(',')}\n${lines.join('\n')}\n`);
      const parts: string[] = [];
      const { model, header } = decodeModel(readFileSync(modelPath), modelPath);
      await predictCsv({ model, header, input, write: (t) => void parts.push(t) });
      const predicted = parts.slice(1).join('\n').split('\n').map(Number);
      const session = await ort.InferenceSession.create(readFileSync(out));
      const res = await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', raw.x, [raw.rows, 8]) });
      const theirs = res[ONNX_OUTPUT]!.data as Float32Array;
      theirs.forEach((v, i) => expect(Math.abs(v - predicted[i]!) / Math.max(1, Math.abs(predicted[i]!))).toBeLessThanOrEqual(1e-5));
      await session.release();
    } finally {
      data.cleanup();
    }
  }, 60_000);

  it('exports a model trained with feature stages (missing=mean, bins 64, scale standard): ONNX on the raw rows = dojo predict', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { memoryIo } = await import('../../../lib/cli/io');
    const { handler } = await import('../../../lib/cli/commands/model-export');
    const { saveModel } = await import('../../../runtime/src/model-file');
    const { parseHParams } = await import('../../../runtime/src/model');
    const { train } = await import('../../../runtime/src/train');
    const { predictCsv } = await import('../../../runtime/src/predict');
    const { FEATURE_NAMES } = await import('../../../runtime/src/data/schema');
    const { rng, tempData, tripRow } = await import('../prep/gen');
    const data = tempData();
    try {
      const r = rng(9);
      const trainGlob = data.write('train.csv', Array.from({ length: 3000 }, () => tripRow(r)));
      const valGlob = data.write('val.csv', Array.from({ length: 200 }, () => tripRow(r)));
      let trained: Model | undefined;
      await train({
        hparams: parseHParams({ num_hidden_neurons: [8, 4], batch_size: 256, max_batches: 40, lr: 0.003, batch_norm_linear_layers: 1, missing: 'mean', bins: 64, scale: 'standard' }),
        train: trainGlob, val: valGlob, dtype: 'float32', onBadRow: 'fail', shardSize: 1000,
        onTrained: async (m) => {
          trained = m;
        },
      });
      expect(trained!.prep).toMatchObject({ missing: 'mean', bins: 64, scale: 'standard' });
      const modelPath = join(data.dir, 'm.dojo');
      await saveModel(trained!, {}, modelPath);
      const out = join(data.dir, 'm.onnx');
      const io = memoryIo({});
      expect(await handler([], { model: modelPath, out, format: 'onnx', json: true } as never, { io, debug: false })).toBe(0);
      expect(JSON.parse(io.stdout[0]!)).toMatchObject({ out, format: 'onnx', opset: 13, dtype: 'float32', preprocessing: { missing: 'mean', bins: 64, scale: 'standard' } });
      expect(await handler([], { model: modelPath, out, format: 'onnx' } as never, { io, debug: false })).toBe(0);
      expect(io.stdout[1]).toMatch(/the graph prepares the 8 raw features itself \(missing=mean, bins 64, scale standard\)/);
      // Raw rows as a user has them: ordinary trips, a missing and a non-numeric field, coordinates outside DC.
      const rows: string[][] = Array.from({ length: 300 }, () => tripRow(r).slice(1).map(String));
      rows[3]![1] = '';
      rows[4]![6] = 'n/a';
      rows[5]![0] = '38.5';
      rows[6]![3] = '-76.5';
      const input = join(data.dir, 'predict.csv');
      writeFileSync(input, `${FEATURE_NAMES.join(',')}\n${rows.map((row) => row.join(',')).join('\n')}\n`);
      const parts: string[] = [];
      const { model, header } = decodeModel(readFileSync(modelPath), modelPath);
      const summary = await predictCsv({ model, header, input, write: (t) => void parts.push(t) });
      expect(summary.values_imputed).toBe(2);
      const predicted = parts.slice(1).join('\n').split('\n').map(Number);
      const session = await ort.InferenceSession.create(readFileSync(out));
      const x = Float32Array.from(rows.flat().map((v) => (v === '' ? NaN : Number(v))));
      const res = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [rows.length, 8]) });
      const theirs = res[ONNX_OUTPUT]!.data as Float32Array;
      expect(theirs).toHaveLength(rows.length);
      theirs.forEach((v, i) => expect(Math.abs(v - predicted[i]!) / Math.max(1, Math.abs(predicted[i]!))).toBeLessThanOrEqual(1e-5));
      await session.release();
    } finally {
      data.cleanup();
    }
  }, 60_000);
});
