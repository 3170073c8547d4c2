import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as predict } from '../../../lib/cli/commands/predict';
import { handler as trainCmd } from '../../../lib/cli/commands/train';
import { memoryIo } from '../../../lib/cli/io';
import { TrackingClient } from '../../../lib/tracking/client';
import { startTrackingServer, type TrackingServerHandle } from '../../../lib/tracking/server/server';
import { synthesize } from '../../../runtime/src/data';
import { forward, parseHParams, type Model } from '../../../runtime/src/model';
import { loadModelFile, openModel, saveModel } from '../../../runtime/src/model-file';
import { train } from '../../../runtime/src/train';
import { fakeData } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'dojo-train-save-'));
let server: TrackingServerHandle;
beforeAll(async () => {
  await synthesize({ rows: 3000, parts: 2, out: join(dir, 'train'), seed: 1 });
  await synthesize({ rows: 1000, parts: 1, out: join(dir, 'val'), seed: 2 });
  server = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('train -> save -> load -> predict', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const bn of [0, 1] as const) {
      it(`predictions of the loaded file equal the in-memory trained model bit for bit (${dtype}, BN ${bn})`, async () => {
        let trained: Model | undefined;
        const hparams = parseHParams({ num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: bn, batch_size: 512, max_batches: 6, lr: 0.01 });
        const result = await train({
          hparams, dtype, train: join(dir, 'train/part-*.csv'), val: join(dir, 'val/part-*.csv'), onBadRow: 'fail', shardSize: 1000,
          onTrained: async (m) => void (trained = m),
        });
        expect(trained).toBeDefined();
        const path = join(dir, `t-${dtype}-${bn}.dojo`);
        await saveModel(trained!, { metrics: { val_rmse: result.val_rmse } }, path);
        const { model, header } = await loadModelFile(path);
        expect(header.metrics.val_rmse).toBe(result.val_rmse);
        const { x } = fakeData(5000, dtype, 8);
        const a = forward(trained!, x, 5000);
        const b = forward(model, x, 5000);
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      });
    }
  }
});

describe('dojo train --save', () => {
  it('writes a loadable model file, logs model/ to the run with --tracking, and predict reproduces val RMSE', async () => {
    const save = join(dir, 'cli', 'fare.dojo');
    const io = memoryIo({});
    const code = await trainCmd([], {
      train: join(dir, 'train/part-*.csv'), val: join(dir, 'val/part-*.csv'), dtype: 'float64', onBadRow: 'fail', replicas: 1, shardSize: 1000,
      hparams: '{"num_hidden_neurons":[7,11,13],"batch_size":500,"max_batches":4}', tracking: server.url, save,
    } as never, { io, debug: false });
    expect(code).toBe(0);
    const out = JSON.parse(io.stdout.at(-1)!) as { val_rmse: number };
    const { header } = await loadModelFile(save);
    expect(header.hparams.num_hidden_neurons).toEqual([7, 11, 13]);
    expect(header.metrics.val_rmse).toBe(out.val_rmse);
    const runId = /runs:\/(\w+)\/model/.exec(io.stderr.join('\n'))![1]!;
    expect(header.run_id).toBe(runId);
    const client = new TrackingClient(server.url);
    const logged = await client.downloadArtifact((await client.getRun(runId)).info, 'model/model.dojo');
    expect(Buffer.from(logged).equals(readFileSync(save))).toBe(true);
    await openModel(`runs:/${runId}/model`, { trackingUri: server.url });
    // Predicting the validation files (label column present) reproduces the validation RMSE.
    const pio = memoryIo({});
    expect(await predict([], { model: save, input: join(dir, 'val/part-*.csv'), output: join(dir, 'cli', 'pred.csv'), batch: 333 } as never, { io: pio, debug: false })).toBe(0);
    const summary = JSON.parse(pio.stdout[0]!) as { rmse: number; rows: number };
    expect(summary.rows).toBe(1000);
    expect(summary.rmse).toBeCloseTo(out.val_rmse, 9);
  }, 60_000);
});
