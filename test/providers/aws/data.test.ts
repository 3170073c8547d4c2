import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { formatUploadProgress } from '../../../lib/cli/commands/data-put/format';
import { createAwsClients } from '../../../lib/providers/aws/clients';
import { dataPrefix, globsOf, listUploadFiles } from '../../../lib/providers/aws/data';
import { AwsProvider } from '../../../lib/providers/aws/provider';
import { startTestS3, type TestS3 } from '../../../testkit/s3/server';
import { DOJO_ID, RecordingDeployer, params, tempHome } from './harness';

// Only SSM is mocked (the bucket name comes from /dojo/<id>/bucket); the upload is real S3 API
// traffic to s3rver on 127.0.0.1 (or DOJO_TEST_S3_ENDPOINT).
const ssm = mockClient(SSMClient);
let s3: TestS3;
let bucket: string;
let t: ReturnType<typeof tempHome>;
let src: string;

beforeAll(async () => {
  s3 = await startTestS3();
  bucket = await s3.bucket('put');
  t = tempHome();
  src = mkdtempSync(join(tmpdir(), 'dojo-put-'));
  mkdirSync(join(src, 'train'));
  mkdirSync(join(src, 'val'));
  for (let i = 0; i < 3; i++) writeFileSync(join(src, 'train', `part-${i}.csv`), `fare,a,b\n${i},1,2\n`);
  writeFileSync(join(src, 'val', 'part-0.csv'), 'fare,a,b\n9,9,9\n');
  writeFileSync(join(src, '.DS_Store'), 'x');
  // Above the 8 MiB part size: uploaded in parts.
  const big = Buffer.alloc(9 * 1024 * 1024 + 123, 7);
  writeFileSync(join(src, 'val', 'big.bin'), big);
});
afterAll(async () => {
  ssm.restore();
  await s3.close();
  t.cleanup();
  rmSync(src, { recursive: true, force: true });
});

describe('dojo data put', () => {
  it('uploads the folder (multipart for big files) under data/<prefix>/ with progress and prints the globs', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ bucket }) });
    const p = new AwsProvider({
      home: t.home,
      deployer: new RecordingDeployer(),
      clients: (region) => createAwsClients({ region, s3Endpoint: s3.endpoint, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! } }),
    });
    const seen: number[] = [];
    const r = await p.putData(DOJO_ID, src, 'taxi', (done) => seen.push(done));
    expect(r.prefix).toBe('data/taxi/');
    expect(r.files).toBe(5);
    expect(r.globs).toEqual([`s3://${bucket}/data/taxi/train/*.csv`, `s3://${bucket}/data/taxi/val/*`]);
    const list = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'data/' }));
    expect((list.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      'data/taxi/train/part-0.csv', 'data/taxi/train/part-1.csv', 'data/taxi/train/part-2.csv', 'data/taxi/val/big.bin', 'data/taxi/val/part-0.csv',
    ]);
    const big = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'data/taxi/val/big.bin' }));
    const bytes = await big.Body!.transformToByteArray();
    expect(bytes.length).toBe(9 * 1024 * 1024 + 123);
    expect(bytes.every((b) => b === 7)).toBe(true);
    // Progress only grows and ends at the total.
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]!)).toBe(true);
    expect(seen[seen.length - 1]).toBe(r.bytes);
    expect(formatUploadProgress(r.bytes, r.bytes, 'k')).toMatch(/^uploading 100% /);
  }, 60_000);

  it('the command prints the globs on stdout and refuses a missing folder, naming it', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ bucket }) });
    const io = memoryIo({ DOJO_HOME: t.home });
    const { handler } = await import('../../../lib/cli/commands/data-put/index');
    await expect(handler([join(src, 'nope'), DOJO_ID], { json: false }, { io, debug: false })).rejects.toThrow(`LOCAL_DIR ${join(src, 'nope')}: no such folder`);
  });

  it('prefixes and globs are checked and derived purely', () => {
    expect(dataPrefix('/x/taxi/')).toBe('data/taxi/');
    expect(() => dataPrefix('/x', '../etc')).toThrow('--prefix: "../etc" is not a usable S3 key prefix');
    const files = listUploadFiles(src, 'data/d/');
    expect(files.map((f) => f.key)).not.toContain('data/d/.DS_Store');
    expect(globsOf('b', [{ path: '', key: 'data/d/p1.csv', bytes: 1 }])).toEqual(['s3://b/data/d/*.csv']);
  });
});

describe('the provider\'s S3 client', () => {
  it('follows a bucket\'s region redirect (data put to a bucket outside the dojo\'s region)', () => {
    expect(createAwsClients({ region: 'eu-west-1' }).s3.config.followRegionRedirects).toBe(true);
  });
});

describe('an S3 endpoint from the environment', () => {
  it('is used path-style (MinIO and emulators have no wildcard DNS for bucket.host)', async () => {
    const c = createAwsClients({ region: 'us-east-1', env: { AWS_ENDPOINT_URL_S3: 'http://localhost:9000' } });
    expect(c.s3.config.forcePathStyle).toBe(true);
    const ep = await c.s3.config.endpoint!();
    expect(`${ep.protocol}//${ep.hostname}:${ep.port}`).toBe('http://localhost:9000');
    expect(createAwsClients({ region: 'us-east-1', env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' } }).s3.config.forcePathStyle).toBe(true);
    expect(createAwsClients({ region: 'us-east-1', env: {} }).s3.config.forcePathStyle).toBe(false);
  });
});
