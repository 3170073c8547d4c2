import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../../runtime/src/data/schema';
import { forward, parseHParams, type Model } from '../../../runtime/src/model';
import { decodeModel, encodeModel } from '../../../runtime/src/model-file';
import { predictCsv } from '../../../runtime/src/predict';
import { Preparer } from '../../../runtime/src/prep';
import { train } from '../../../runtime/src/train';
import { rng, tempData, tripRow } from './gen';

let data: ReturnType<typeof tempData>;
let trainGlob: string;
let valGlob: string;
let valRows: number[][];
let baseline: number;

beforeAll(() => {
  data = tempData();
  const r = rng(3);
  const trainRows = Array.from({ length: 20000 }, () => tripRow(r));
  valRows = Array.from({ length: 600 }, () => tripRow(r));
  trainGlob = data.write('train.csv', trainRows);
  valGlob = data.write('val.csv', valRows);
  // Predict-the-mean baseline: the training labels' mean as the prediction for every validation row.
  const mean = trainRows.reduce((s, row) => s + row[0]!, 0) / trainRows.length;
  baseline = Math.sqrt(valRows.reduce((s, row) => s + (row[0]! - mean) ** 2, 0) / valRows.length);
});
afterAll(() => data.cleanup());

const tiny = { num_hidden_neurons: [16, 8], batch_size: 256, max_batches: 500, optimizer: 'Adam', lr: 0.003 };

async function trainWith(stages: object, bn: 0 | 1): Promise<{ model: Model; valRmse: number }> {
  let model: Model | undefined;
  const r = await train({
    hparams: parseHParams({ ...tiny, ...stages, batch_norm_linear_layers: bn }),
    train: trainGlob, val: valGlob, dtype: 'float32', onBadRow: 'fail', shardSize: 5000,
    onTrained: async (m) => {
      model = m;
    },
  });
  return { model: model!, valRmse: r.val_rmse };
}

describe('training with feature stages', () => {
  const combos = [0, 64, 128].flatMap((bins) => (['none', 'standard'] as const).flatMap((scale) => ([0, 1] as const).map((bn) => ({ bins, scale, bn }))));
  it.each(combos)('bins $bins, scale $scale, BN $bn trains to a finite val RMSE below the predict-the-mean baseline', async ({ bins, scale, bn }) => {
    const { model, valRmse } = await trainWith({ bins, scale }, bn);
    expect(model.layout.dims[0]).toBe(bins > 0 ? 4 + 4 * bins : 8);
    expect(Number.isFinite(valRmse)).toBe(true);
    expect(valRmse).toBeLessThan(baseline);
  }, 60_000);

  it('predict applies the saved preparation: bit-identical predictions after save/load, and dojo predict gives the same', async () => {
    const { model } = await trainWith({ missing: 'mean', bins: 64, scale: 'standard' }, 1);
    expect(model.prep).toMatchObject({ missing: 'mean', bins: 64, scale: 'standard' });
    const bytes = encodeModel(model);
    const loaded = decodeModel(bytes, 'm.dojo');
    expect(loaded.header.preprocessing).toEqual(JSON.parse(JSON.stringify(model.prep)));
    expect(loaded.model.prep).toEqual(model.prep);
    // The same prepared inputs through the trained model and the reloaded one.
    const raw = Float32Array.from(valRows.flatMap((row) => row.slice(1)));
    const prepared = new Preparer(model.prep!, 'float32', valRows.length).apply({ x: raw, y: new Float32Array(valRows.length), rows: valRows.length, numFeatures: 8 });
    expect(prepared.sparse).toBeDefined();
    const before = Float32Array.from(forward(model, prepared.x, prepared.rows, undefined, prepared.sparse?.index));
    const after = forward(loaded.model, prepared.x, prepared.rows, undefined, prepared.sparse?.index);
    expect(Buffer.from(after.buffer, after.byteOffset, after.byteLength).equals(Buffer.from(before.buffer))).toBe(true);
    // dojo predict on the raw CSV (no label column) writes those predictions.
    const input = join(data.dir, 'predict.csv');
    writeFileSync(input, `${FEATURE_NAMES.join(',')}\n${valRows.map((row) => row.slice(1).join(',')).join('\n')}\n`);
    const parts: string[] = [];
    const wasm = decodeModel(bytes, 'm.dojo');
    await predictCsv({ model: wasm.model, header: wasm.header, input, batchRows: 100, write: (s) => void parts.push(s) });
    const predicted = parts.slice(1).join('\n').split('\n').map(Number);
    expect(predicted).toHaveLength(valRows.length);
    predicted.forEach((p, i) => expect(Math.fround(p)).toBe(before[i]));
  }, 60_000);
});
