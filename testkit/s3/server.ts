import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** Starts s3rver in a child process (see s3rver-main.mjs for why) and resolves its port. */
async function spawnS3rver(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const main = join(import.meta.dirname, 's3rver-main.mjs');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', main, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    // A bound on a hung start only: on a loaded machine the child's start can take a minute.
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

/** An S3-compatible endpoint for tests: DOJO_TEST_S3_ENDPOINT when set, else s3rver on 127.0.0.1, port 0. */
export interface TestS3 {
  readonly endpoint: string;
  /** True when the endpoint is our own s3rver (not a user-supplied one). */
  readonly own: boolean;
  readonly client: S3Client;
  /** Creates a fresh, uniquely named bucket. */
  bucket(hint: string): Promise<string>;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Starts (or connects to) the test S3 endpoint. Credentials default to s3rver's S3RVER/S3RVER. */
export async function startTestS3(): Promise<TestS3> {
  process.env.AWS_ACCESS_KEY_ID ||= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'S3RVER';
  process.env.AWS_REGION ||= 'us-east-1';
  const external = process.env.DOJO_TEST_S3_ENDPOINT;
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  let endpoint: string;
  if (external) {
    endpoint = external;
  } else {
    dir = await mkdtemp(join(tmpdir(), 'dojo-s3rver-'));
    const started = await spawnS3rver(dir);
    child = started.child;
    endpoint = `http://127.0.0.1:${started.port}`;
  }
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: process.env.AWS_REGION,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  let n = 0;
  return {
    endpoint,
    own: !external,
    client,
    async bucket(hint) {
      const name = `dojo-test-${hint}-${process.pid}-${Date.now().toString(36)}-${n++}`.toLowerCase().slice(0, 63);
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async put(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      client.destroy();
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.stdin!.end();
        await exited;
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
