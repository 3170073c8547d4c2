// `dojo data put` through the built CLI (dist/bin/dojo.js): an AWS dojo whose SSM parameters live in
// moto and whose bucket is s3rver, addressed as `localhost` so that only path-style addressing works.
// The code-split bundle once turned `import('@aws-sdk/lib-storage')` into a chunk without `Upload`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dojoParameterName } from '../../lib/infra/parameters';
import { Sandbox, ensureBuilt } from '../e2e/harness';
import { startTestS3, type TestS3 } from '../../testkit/s3/server';
import { startMoto, type Moto } from './moto';

let s3: TestS3;
let moto: Moto;
let box: Sandbox;
beforeAll(async () => {
  ensureBuilt();
  [s3, moto] = await Promise.all([startTestS3(), startMoto()]);
  const port = new URL(s3.endpoint).port;
  box = new Sandbox({
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_S3: s3.own ? `http://localhost:${port}` : s3.endpoint,
  });
}, 120_000);
afterAll(async () => {
  // Not `dojo rm`: that would tear down a stack this test never deployed.
  if (box) rmSync(box.home, { recursive: true, force: true });
  await Promise.all([s3?.close(), moto?.close()]);
});

it('uploads a folder to the dojo bucket and prints one glob per folder', async () => {
  const id = await box.ok(['init', '--provider', 'aws', '--region', 'us-east-1']);
  expect(id).toMatch(/^dojo-[0-9a-f]{8}$/);
  const bucket = await s3.bucket('put');
  const ssm = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await ssm.send(new PutParameterCommand({ Name: dojoParameterName(id, 'bucket'), Value: bucket, Type: 'String' }));
  await ssm.send(new PutParameterCommand({ Name: dojoParameterName(id, 'status'), Value: 'active', Type: 'String' }));
  ssm.destroy();

  const dir = join(box.home, 'taxi');
  mkdirSync(join(dir, 'train'), { recursive: true });
  mkdirSync(join(dir, 'val'), { recursive: true });
  writeFileSync(join(dir, 'train', 'part-0.csv'), 'a,b\n1,2\n');
  writeFileSync(join(dir, 'train', 'part-1.csv'), 'a,b\n3,4\n');
  writeFileSync(join(dir, 'val', 'part-0.csv'), 'a,b\n5,6\n');

  const r = await box.run(['data', 'put', dir, id, '--prefix', 'taxi']);
  expect(r.stderr).not.toMatch(/not a constructor|internal error/);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual([`s3://${bucket}/data/taxi/train/*.csv`, `s3://${bucket}/data/taxi/val/*.csv`]);
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(['data/taxi/train/part-0.csv', 'data/taxi/train/part-1.csv', 'data/taxi/val/part-0.csv']);
  const got = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'data/taxi/val/part-0.csv' }));
  expect(await got.Body!.transformToString()).toBe('a,b\n5,6\n');
});

// The S3 SDK is imported on first use (runtime/src/data/s3.ts): in the bundle that import() once
// gave `{ default: exports }`, and every S3 reader and writer failed with "S3Client is not a constructor".
it('writes synthetic data to S3 and trains from it through the bundle', async () => {
  const bucket = await s3.bucket('synth');
  const w = await box.run(['data', 'synth', '--rows', '300', '--parts', '2', '--out', `s3://${bucket}/synth`, '--seed', '3']);
  expect(w.stderr).not.toMatch(/not a constructor|internal error/);
  expect(w.code, w.stderr).toBe(0);
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(['synth/part-00000.csv', 'synth/part-00001.csv']);
  const t = await box.run(['train', '--train', `s3://${bucket}/synth/*.csv`, '--val', `s3://${bucket}/synth/part-00001.csv`]);
  expect(t.stderr).not.toMatch(/not a constructor|internal error/);
  expect(t.code, t.stderr).toBe(0);
});
