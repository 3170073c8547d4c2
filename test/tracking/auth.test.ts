import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricLogger, TrackingClient, trackingAuthFromEnv } from '../../lib/tracking';
import { RegistryClient } from '../../lib/tracking/registry-client';

// MLflow's auth variables, honoured by every dojo tracking client (issue 16): a server that wants a
// bearer token (as an MLflow behind a proxy, or dojo's own servers later) sees it on every call.
let server: Server;
let url: string;
const seen: IncomingHttpHeaders[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    if (req.headers.authorization !== 'Bearer s3cret') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"error_code": "UNAUTHENTICATED", "message": "no"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(req.url?.includes('registered-models/get') ? '{"registered_model": {"name": "m"}}' : '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("MLflow's auth variables", () => {
  it('reads MLFLOW_TRACKING_TOKEN (Bearer, first), else USERNAME/PASSWORD (Basic), and MLFLOW_TRACKING_INSECURE_TLS', () => {
    expect(trackingAuthFromEnv({})).toEqual({});
    expect(trackingAuthFromEnv({ MLFLOW_TRACKING_TOKEN: 't', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' })).toEqual({ authorization: 'Bearer t' });
    expect(trackingAuthFromEnv({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' })).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(trackingAuthFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: 'TRUE' })).toEqual({ insecureTls: true });
    expect(trackingAuthFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: 'false', MLFLOW_TRACKING_USERNAME: 'u' })).toEqual({});
  });

  it('the tracking client, the registry client and the metric logger send the token from the environment', async () => {
    const saved = process.env.MLFLOW_TRACKING_TOKEN;
    process.env.MLFLOW_TRACKING_TOKEN = 's3cret';
    try {
      const client = new TrackingClient(url);
      await client.setTag('r', 'k', 'v');
      expect((await new RegistryClient(client).getRegisteredModel('m'))?.name).toBe('m');
      const logger = new MetricLogger(client, 'r', { spillDir: '/tmp/dojo-auth-test-spill' });
      logger.log('m', 1, 0);
      expect(await logger.close(5000)).toMatchObject({ delivered: 1, undelivered: 0 });
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen.every((h) => h.authorization === 'Bearer s3cret')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.MLFLOW_TRACKING_TOKEN;
      else process.env.MLFLOW_TRACKING_TOKEN = saved;
    }
  });

  it('a refused call says which variables to set, never the credential', async () => {
    const client = new TrackingClient(url, { auth: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
    const err = await client.setTag('r', 'k', 'v').then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toBe('UNAUTHENTICATED: 401 from POST /api/2.0/mlflow/runs/set-tag: the tracking server refused MLFLOW_TRACKING_USERNAME/PASSWORD; set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
    expect(err?.message).not.toContain('d3Jvbmc');
  });
});
