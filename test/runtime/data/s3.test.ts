import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBatches, resolveGlob, s3Client, S3Clients, synthesize } from '../../../runtime/src/data';
import { HEADER, options, readLabels, rowText, tempDir } from './fixtures';
import { startTestS3, type TestS3 } from '../../../testkit/s3/server';

let s3: TestS3;
let bucket: string;
const MANY = 1005; // more than one ListObjectsV2 page (1000 keys)

beforeAll(async () => {
  s3 = await startTestS3();
  bucket = await s3.bucket('data');
  const keys = Array.from({ length: MANY }, (_, i) => i);
  // Tiny objects, uploaded 25 at a time, keep this fast.
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(keys.slice(i, i + 25).map((k) => s3.put(bucket, `many/part-${String(k).padStart(5, '0')}.csv`, `${HEADER}\n${rowText(k)}\n`)));
  }
  await s3.put(bucket, 'many/README.txt', 'not data');
  await s3.put(bucket, 'many/sub/part-99999.csv', `${HEADER}\n${rowText(99999)}\n`);
});
afterAll(async () => s3?.close());

describe('S3 objects (real @aws-sdk/client-s3 against an S3-compatible server)', () => {
  it('lists more than one page and matches keys with the glob, sorted', async () => {
    const refs = await resolveGlob(`s3://${bucket}/many/part-*.csv`, { s3Endpoint: s3.endpoint });
    expect(refs.length).toBe(MANY);
    expect(refs[0]).toMatchObject({ kind: 's3', bucket, key: 'many/part-00000.csv', name: `s3://${bucket}/many/part-00000.csv` });
    expect(refs[MANY - 1]!.name).toBe(`s3://${bucket}/many/part-${String(MANY - 1).padStart(5, '0')}.csv`);
    expect(refs.every((r) => r.size > 0 && r.version.length > 0)).toBe(true);
    const deep = await resolveGlob(`s3://${bucket}/many/**/part-*.csv`, { s3Endpoint: s3.endpoint });
    expect(deep.length).toBe(MANY + 1);
  });

  it('streams objects sharded over 2 replicas, each row once', async () => {
    const glob = `s3://${bucket}/many/part-000[0-9][0-9].csv`; // 100 objects keep the test short
    const [a, b] = await Promise.all(
      [0, 1].map((rank) => readLabels(options(glob, { rank, worldSize: 2, shardSize: 10, batchSize: 64, s3Endpoint: s3.endpoint }))),
    );
    expect(a!.labels.slice(0, 12)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21]);
    expect([...a!.labels, ...b!.labels].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('uses AWS_ENDPOINT_URL_S3 when no endpoint option is given', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_S3;
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    try {
      expect((await resolveGlob(`s3://${bucket}/many/part-0000[0-4].csv`)).length).toBe(5);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
      else process.env.AWS_ENDPOINT_URL_S3 = saved;
    }
  });

  it('reads the endpoint and region from the injected environment, not from process.env', async () => {
    const clients = new S3Clients({ AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'eu-west-3' });
    expect(process.env.AWS_ENDPOINT_URL_S3).not.toBe(s3.endpoint);
    expect((await resolveGlob(`s3://${bucket}/many/part-0000[0-4].csv`, { s3: clients })).length).toBe(5);
    expect(await (await clients.client(s3.endpoint)).config.region()).toBe('eu-west-3');
    const labels = await readLabels(options(`s3://${bucket}/many/part-0000[0-2].csv`, { s3: clients }));
    expect(labels.labels).toEqual([0, 1, 2]);
  });

  it('follows a bucket\'s region redirect on AWS (any region), and not against an S3-compatible endpoint', async () => {
    expect((await s3Client()).config.followRegionRedirects).toBe(true);
    expect((await s3Client(s3.endpoint)).config.followRegionRedirects).toBe(false);
  });

  it('says no objects match for a glob matching nothing', async () => {

    const glob = `s3://${bucket}/many/nothing-*.csv`;
    await expect(resolveGlob(glob, { s3Endpoint: s3.endpoint })).rejects.toThrow(`no objects match ${glob}`);
  });

  it('names the bucket and the AWS error code for a missing bucket, in one line', async () => {
    const missing = `dojo-missing-${Date.now()}`;
    const err = await openBatches(options(`s3://${missing}/x/*.csv`, { s3Endpoint: s3.endpoint })).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'DojoError', code: 'NOT_FOUND' });
    expect((err as Error).message).toBe(
      `S3 bucket "${missing}": NoSuchBucket while listing s3://${missing}/x/ (check the bucket name and the endpoint/region)`,
    );
  });

  it('names the bucket and the AWS error code when the credentials are refused', async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'DOJONOSUCHKEY';
    try {
      // A differently spelled endpoint gets a fresh client that picks up the unknown key id.
      const err = await resolveGlob(`s3://${bucket}/many/*.csv`, { s3Endpoint: `${s3.endpoint}/` }).catch((e: Error) => e);
      expect(err).toMatchObject({ name: 'DojoError', code: 'AWS' });
      expect((err as Error).message).toMatch(
        new RegExp(`^S3 bucket "${bucket}": (SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId) while listing s3://${bucket}/many/ \\(check the credentials and the bucket policy\\)$`),
      );
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });

  it('names the bucket when the endpoint does not answer', async () => {
    const err = await resolveGlob(`s3://${bucket}/x/*.csv`, { s3Endpoint: 'http://127.0.0.1:9' }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'DojoError', code: 'UNAVAILABLE' });
    expect((err as Error).message).toMatch(new RegExp(`^S3 bucket "${bucket}": \\S+ while listing s3://${bucket}/x/ at http://127.0.0.1:9`));
    expect((err as Error).message).not.toContain('\n');
  });

  it('synthesizes parts into S3 byte-identical to local ones (a multipart upload for the 9 MB part), and streams them back', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const rows = 30_000;
      const local = await synthesize({ rows, parts: 3, out: dir, seed: 7 });
      const remote = await synthesize({ rows, parts: 3, out: `s3://${bucket}/synth`, seed: 7, s3Endpoint: s3.endpoint });
      expect(remote.files).toEqual([0, 1, 2].map((i) => `s3://${bucket}/synth/part-0000${i}.csv`));
      const big = await synthesize({ rows: 160_000, parts: 1, out: `s3://${bucket}/big`, seed: 7, s3Endpoint: s3.endpoint });
      expect(big.bytes).toBeGreaterThan(8 << 20); // above the upload's part size: sent as a multipart upload
      const bigBody = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/part-00000.csv' }));
      expect((await bigBody.Body!.transformToByteArray()).length).toBe(big.bytes);
      const body = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'synth/part-00001.csv' }));
      expect(Buffer.from(await body.Body!.transformToByteArray()).equals(readFileSync(join(dir, 'part-00001.csv')))).toBe(true);
      const fromS3 = await readLabels(options(`s3://${bucket}/synth/part-*.csv`, { s3Endpoint: s3.endpoint, batchSize: 4096 }));
      const fromDisk = await readLabels(options(join(dir, 'part-*.csv'), { batchSize: 4096 }));
      expect(fromS3.labels.length).toBe(rows);
      expect(fromS3.labels).toEqual(fromDisk.labels);
      expect(local.rows).toBe(rows);
    } finally {
      cleanup();
    }
  });
});
