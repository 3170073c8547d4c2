import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingClient, type Run } from '../../lib/tracking';
import { DojoError } from '../../lib/errors';
import { EXTERNAL_URI, expectMlflowError, raw, rawHttp, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

let s: ServerUnderTest;
let run: Run;
beforeAll(async () => {
  s = await serverUnderTest();
  const exp = await s.client.createExperiment(uniqueName('art'));
  run = await s.client.createRun({ experimentId: exp, runName: 'with-artifacts' });
});
afterAll(async () => s.close());

/** The proxied URL prefix of the run's artifacts. */
const base = (): string => `${s.url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '')}`;

describe('tracking contract: proxied artifacts', () => {
  it('uploads, downloads and lists files (binary intact) through the client', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    await s.client.uploadArtifact(run, 'plots/loss.png', png);
    await s.client.uploadArtifact(run.info, 'report.html', '<h1>study</h1>');
    await s.client.uploadArtifact(run, 'plots/deep/x.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(await s.client.downloadArtifact(run, 'plots/loss.png')).toEqual(png);
    expect(new TextDecoder().decode(await s.client.downloadArtifact(run, 'report.html'))).toBe('<h1>study</h1>');
    expect(await s.client.listArtifacts(run.info.run_id)).toEqual([
      { path: 'plots', is_dir: true },
      { path: 'report.html', is_dir: false, file_size: 14 },
    ]);
    expect(await s.client.listArtifacts(run.info.run_id, 'plots')).toEqual([
      { path: 'plots/deep', is_dir: true },
      { path: 'plots/loss.png', is_dir: false, file_size: 8 },
    ]);
  });

  it('answers the mlflow/artifacts/list shape with root_uri, and the proxied list with basenames; {} for missing dirs', async () => {
    await s.client.uploadArtifact(run, 'data/a.txt', 'a');
    const l = await raw(s.url, 'GET', `artifacts/list?run_id=${run.info.run_id}&path=data`);
    expect(l.json).toEqual({ root_uri: run.info.artifact_uri, files: [{ path: 'data/a.txt', is_dir: false, file_size: 1 }] });
    const rel = run.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '');
    const p = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(rel + '/data')}`);
    expect(await p.json()).toEqual({ files: [{ path: 'a.txt', is_dir: false, file_size: 1 }] });
    const missing = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(rel + '/nope')}`);
    expect(await missing.json()).toEqual({});
    const empty = await raw(s.url, 'GET', `artifacts/list?run_id=${run.info.run_id}&path=nope`);
    expect(empty.json).toEqual({ root_uri: run.info.artifact_uri });
  });

  it('refuses .. in artifacts/list with 400 and 404s a missing run', async () => {
    const r = await raw(s.url, 'GET', `artifacts/list?run_id=${run.info.run_id}&path=../../x`);
    expect(r.status).toBe(400);
    await expectMlflowError(s.client.listArtifacts('e'.repeat(32)), 'RESOURCE_DOES_NOT_EXIST', 404);
  });

  it('refuses path escapes on upload and download: .., encoded .., absolute paths (sent raw, unnormalised)', async () => {
    const prefix = new URL(base()).pathname;
    for (const [method, path] of [
      ['PUT', `${prefix}/../../../escaped.txt`],
      ['PUT', `${prefix}/%2E%2E/%2E%2E/%2E%2E/escaped.txt`],
      ['GET', `${prefix}/..%2F..%2F..%2F..%2Fmlflow.db`],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts/%2Fetc%2Fpasswd'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts?path=..%2F..'],
    ] as const) {
      const r = await rawHttp(s.url, method, path, method === 'PUT' ? 'x' : undefined);
      if (s.embedded) {
        expect(r.status, `${method} ${path}`).toBe(400);
        expect(r.text).toMatch(/INVALID_PARAMETER_VALUE/);
      } else {
        // MLflow refuses these too, some with a 308 (werkzeug merges the slashes of /%2Fetc): never a 2xx.
        expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(300);
        expect(r.text).not.toMatch(/root:/);
      }
    }
  });

  it('answers a missing artifact with 404 (embedded) or 500 INTERNAL_ERROR (MLflow 2.11)', async () => {
    const r = await fetch(`${base()}/no/such/file.txt`);
    expect(r.status).toBe(s.embedded ? 404 : 500);
  });

  it('the client turns a missing artifact into one quick error naming the run and path: no retries, no server disk path', async () => {
    // Retries with a long backoff: a retried 404 or 500 would take seconds.
    const client = new TrackingClient(s.url, { retries: 5, backoffMs: 1000 });
    const t0 = performance.now();
    const err = await client.downloadArtifact(run, 'model/no-such.dojo').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(DojoError);
    expect((err as DojoError).code).toBe('NOT_FOUND');
    expect((err as DojoError).message).toBe(`run ${run.info.run_id} has no artifact 'model/no-such.dojo'`);
    const uri = `${run.info.artifact_uri}/model/no-such.dojo`;
    await expect(client.downloadArtifactUri(uri)).rejects.toThrow(`no artifact at ${uri} on ${s.url}`);
  });

  it.skipIf(Boolean(EXTERNAL_URI))('(embedded server only: needs its store dir) refuses to follow a symlink out of the artifact root', async () => {
    const outside = join(s.storeDir!, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    const runDir = join(s.storeDir!, 'artifacts', run.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, ''));
    mkdirSync(runDir, { recursive: true });
    symlinkSync(outside, join(runDir, 'link'));
    expect((await fetch(`${base()}/link/secret.txt`)).status).toBe(400);
    expect((await fetch(`${base()}/link/new.txt`, { method: 'PUT', body: 'x' })).status).toBe(400);
  });
});
