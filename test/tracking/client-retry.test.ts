import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { splitBatch, TrackingClient, TrackingError, TrackingUnavailableError } from '../../lib/tracking';


let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A loopback server that answers each request with the next scripted [status, body]. */
async function scripted(answers: [number, string][]): Promise<{ url: string; hits: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    const [status, body] = answers[Math.min(n++, answers.length - 1)]!;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => n };
}

describe('TrackingClient retries', () => {
  it('retries 5xx with backoff and then succeeds', async () => {
    const s = await scripted([
      [503, '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}'],
      [500, '{"error_code":"INTERNAL_ERROR","message":"oops"}'],
      [200, '{"experiment_id":"7"}'],
    ]);
    const c = new TrackingClient(s.url, { retries: 3, backoffMs: 5 });
    expect(await c.createExperiment('x')).toBe('7');
    expect(s.hits()).toBe(3);
  });

  it('never retries a 4xx and turns it into a TrackingError with MLflow error_code and message', async () => {
    const s = await scripted([[400, '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"Experiment \'x\' already exists."}']]);
    const c = new TrackingClient(s.url, { retries: 5, backoffMs: 5 });
    const err = await c.createExperiment('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrackingError);
    expect(err).toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400, code: 'CONFLICT' });
    expect((err as Error).message).toContain("Experiment 'x' already exists.");
    expect(s.hits()).toBe(1);
  });

  it('gives up after the retries on a refused connection, saying it was certainly not delivered', async () => {
    const s = await scripted([[200, '{}']]);
    const url = s.url;
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const c = new TrackingClient(url, { retries: 2, backoffMs: 5 });
    const err = await c.logMetric('r', 'm', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrackingUnavailableError);
    expect(err).toMatchObject({ maybeDelivered: false, code: 'UNAVAILABLE' });
    expect((err as Error).message).toMatch(/after 3 attempts/);
  });

  it('refuses a tracking URI without http(s)://', () => {
    expect(() => new TrackingClient('localhost:5000')).toThrow(/must start with http/);
  });
});

describe('splitBatch', () => {
  it("splits to MLflow's limits keeping order and every entry", () => {
    const metrics = Array.from({ length: 2345 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    const tags = Array.from({ length: 30 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    const parts = splitBatch({ metrics, params, tags });
    for (const p of parts) {
      expect(p.metrics.length).toBeLessThanOrEqual(1000);
      expect(p.params.length).toBeLessThanOrEqual(100);
      expect(p.tags.length).toBeLessThanOrEqual(100);
      expect(p.metrics.length + p.params.length + p.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(parts.flatMap((p) => p.metrics)).toEqual(metrics);
    expect(parts.flatMap((p) => p.params)).toEqual(params);
    expect(parts.flatMap((p) => p.tags)).toEqual(tags);
    expect(splitBatch({})).toEqual([]);
  });
});
