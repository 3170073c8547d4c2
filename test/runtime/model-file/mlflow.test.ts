import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as predict } from '../../../lib/cli/commands/predict';
import { memoryIo } from '../../../lib/cli/io';
import { TrackingClient } from '../../../lib/tracking/client';
import { startTrackingServer, type TrackingServerHandle } from '../../../lib/tracking/server/server';
import { FEATURE_NAMES } from '../../../runtime/src/data/schema';
import { forward } from '../../../runtime/src/model';
import { encodeModel, logModelArtifacts, openModel, parseRunsUri } from '../../../runtime/src/model-file';
import { fakeData, trainedModel } from './helpers';

// Against DOJO_TEST_TRACKING_URI (e.g. a real MLflow with --serve-artifacts) when set, else the embedded server.
const dir = mkdtempSync(join(tmpdir(), 'dojo-mlflow-model-'));
let server: TrackingServerHandle | undefined;
let url: string;
beforeAll(async () => {
  if (process.env.DOJO_TEST_TRACKING_URI) url = process.env.DOJO_TEST_TRACKING_URI;
  else {
    server = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
    url = server.url;
  }
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('model artifacts of a run (MLflow layout)', () => {
  it('logs model/MLmodel + model/model.dojo and loads runs:/<id>/model bit-identically; predict takes the URI', async () => {
    const client = new TrackingClient(url);
    const exp = await client.getOrCreateExperiment(`model-file-${Date.now()}`);
    const run = await client.createRun({ experimentId: exp, runName: 'train' });
    const model = await trainedModel('float32', 1);
    await logModelArtifacts(client, run, encodeModel(model, { runId: run.info.run_id, metrics: { val_rmse: 2 } }));
    const files = await client.listArtifacts(run.info.run_id, 'model');
    expect(files.map((f) => f.path).sort()).toEqual(['model/MLmodel', 'model/model.dojo']);
    const mlmodel = new TextDecoder().decode(await client.downloadArtifact(run, 'model/MLmodel'));
    expect(mlmodel).toContain('flavors:\n  dojo:\n    format: dojo-model\n    format_version: 1\n    model_file: model.dojo\n    dtype: float32');
    expect(mlmodel).toContain(`run_id: ${run.info.run_id}`);
    expect(mlmodel).toMatch(/inputs: '\[\{"type":"double","name":"origin_block_latitude_double","required":true\}/);

    const { model: loaded, header } = await openModel(`runs:/${run.info.run_id}/model`, { trackingUri: url });
    expect(header.run_id).toBe(run.info.run_id);
    const { x } = fakeData(1000, 'float32');
    expect(Buffer.from(forward(loaded, x, 1000).buffer).equals(Buffer.from(forward(model, x, 1000).buffer))).toBe(true);

    const lines = [FEATURE_NAMES.join(','), '38.9,-77.03,38.91,-77.0,2017,5,3,14'];
    writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
    const io = memoryIo({ DOJO_TRACKING_URI: url });
    const code = await predict([], { model: `runs:/${run.info.run_id}/model`, input: join(dir, 'in.csv'), batch: 16 } as never, { io, debug: false });
    expect(code).toBe(0);
    expect(io.stdout[0]).toBe('prediction');
    expect(Math.fround(Number(io.stdout[1]))).toBe(forward(model, Float32Array.from([38.9, -77.03, 38.91, -77.0, 2017, 5, 3, 14]), 1)[0]);
  });

  it('names the URI when the run has no model', async () => {
    const client = new TrackingClient(url);
    const exp = await client.getOrCreateExperiment(`model-file-empty-${Date.now()}`);
    const run = await client.createRun({ experimentId: exp });
    await expect(openModel(`runs:/${run.info.run_id}/model`, { trackingUri: url })).rejects.toThrow(
      new RegExp(`runs:/${run.info.run_id}/model/model\\.dojo: cannot download the model`),
    );
  });

  it('parses runs:/ URIs', () => {
    expect(parseRunsUri('runs:/abc123/model')).toEqual({ runId: 'abc123', path: 'model' });
    expect(parseRunsUri('runs:/abc123/best_model/')).toEqual({ runId: 'abc123', path: 'best_model' });
    expect(parseRunsUri('runs:/abc123')).toBeUndefined();
  });
});
