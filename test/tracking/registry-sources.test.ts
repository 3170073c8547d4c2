import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as predict } from '../../lib/cli/commands/predict';
import { handler as modelExport } from '../../lib/cli/commands/model-export';
import { memoryIo } from '../../lib/cli/io';
import { RegistryClient } from '../../lib/tracking/registry-client';
import { FEATURE_NAMES } from '../../runtime/src/data/schema';
import { forward, type Model } from '../../runtime/src/model';
import { encodeModel, logModelArtifacts } from '../../runtime/src/model-file';
import { trainedModel } from '../runtime/model-file/helpers';
import { startTestS3, type TestS3 } from '../../testkit/s3/server';
import { EXTERNAL_URI, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

// Registered model versions whose source is not a runs:/ URI: what MLflow itself stores when its
// client or UI registers a model (issue 16), and what a server with a bucket artifact root stores.
let s: ServerUnderTest;
let dir: string;
let input: string;
let model: Model;
let expected: number;
beforeAll(async () => {
  s = await serverUnderTest();
  dir = mkdtempSync(join(tmpdir(), 'dojo-reg-src-'));
  input = join(dir, 'in.csv');
  writeFileSync(input, `${FEATURE_NAMES.join(',')}\n38.9,-77.03,38.91,-77.0,2017,5,3,14\n`);
  model = await trainedModel('float64', 1);
  expected = forward(model, Float64Array.from([38.9, -77.03, 38.91, -77.0, 2017, 5, 3, 14]), 1)[0]!;
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Registers `source` as version 1 of a new model; returns the model's name. */
async function register(source: string, runId?: string): Promise<string> {
  const name = uniqueName('src');
  await new RegistryClient(s.client).registerModel(name, source, runId);
  return name;
}

async function predicted(uri: string): Promise<number> {
  const io = memoryIo({ DOJO_TRACKING_URI: s.url });
  expect(await predict([], { model: uri, input, batch: 8 } as never, { io, debug: false })).toBe(0);
  return Number(io.stdout[1]);
}

describe('models:/ versions with the sources MLflow stores', () => {
  it('mlflow-artifacts:/<exp>/<run>/artifacts/model (mlflow.register_model, the UI) loads in predict and model export', async () => {
    const exp = await s.client.getOrCreateExperiment(uniqueName('reg-src'));
    const run = await s.client.createRun({ experimentId: exp });
    await logModelArtifacts(s.client, run, encodeModel(model, { runId: run.info.run_id }));
    const name = await register(`${run.info.artifact_uri}/model`, run.info.run_id);
    expect(await predicted(`models:/${name}/1`)).toBe(expected);
    const out = join(dir, `${name}.onnx`);
    const io = memoryIo({ DOJO_TRACKING_URI: s.url });
    expect(await modelExport([], { model: `models:/${name}/1`, out, format: 'onnx' }, { io, debug: false })).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(100);
    // A source without a model in it is one clear line naming it.
    const empty = await register(`${run.info.artifact_uri}/nothing-here`, run.info.run_id);
    await expect(predicted(`models:/${empty}/1`)).rejects.toThrow(`--model models:/${empty}/1: cannot download the model: no artifact at ${run.info.artifact_uri}/nothing-here/model.dojo`);
  });

  it.skipIf(Boolean(EXTERNAL_URI))('(embedded server only: MLflow refuses a file: source outside a run) file:/<dir> loads', async () => {
    const modelDir = join(dir, 'file-model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'model.dojo'), encodeModel(model));
    expect(await predicted(`models:/${await register(pathToFileURL(modelDir).href)}/1`)).toBe(expected);
  });

  it('an unknown scheme is refused naming the source', async () => {
    await expect(predicted(`models:/${await register('hdfs://nn/models/fare')}/1`)).rejects.toThrow(/registry points to 'hdfs:\/\/nn\/models\/fare'; dojo loads runs:\/, mlflow-artifacts:\/, s3:\/\/ and file: sources/);
  });
});

describe('models:/ versions with an s3:// source (a server whose artifact root is a bucket, as on AWS)', () => {
  let s3: TestS3;
  const saved = process.env.AWS_ENDPOINT_URL_S3;
  beforeAll(async () => {
    s3 = await startTestS3();
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
    else process.env.AWS_ENDPOINT_URL_S3 = saved;
    await s3.close();
  });

  it('loads s3://bucket/<prefix>/model/model.dojo', async () => {
    const bucket = await s3.bucket('models');
    await s3.put(bucket, 'artifacts/3/abc/artifacts/model/model.dojo', encodeModel(model));
    expect(await predicted(`models:/${await register(`s3://${bucket}/artifacts/3/abc/artifacts/model`)}/1`)).toBe(expected);
  });
});
