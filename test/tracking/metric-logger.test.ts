import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricLogger, startTrackingServer, TrackingClient } from '../../lib/tracking';
import { startChildServer, type ChildServer } from './child-server';
import { EXTERNAL_URI } from './harness';

const dirs: string[] = [];
const children: ChildServer[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dojo-logger-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const c of children) await c.kill9();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asserts that key's history has steps 0..n-1 each exactly once. */
async function expectExactlyOnce(client: TrackingClient, runId: string, key: string, n: number): Promise<void> {
  const steps = (await client.getMetricHistory(runId, key)).map((m) => m.step).sort((a, b) => a - b);
  expect(steps.length, `${key}: ${steps.length} points for ${n} logged`).toBe(n);
  expect(steps).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe.skipIf(Boolean(EXTERNAL_URI))('MetricLogger (embedded server only: the tests stop and restart it)', () => {
  it('keeps logging through a 4 s outage and delivers every metric exactly once after the restart', async () => {
    const dir = tempDir();
    const first = await startChildServer(dir);
    children.push(first);
    const client = new TrackingClient(first.url);
    const run = await client.createRun({ experimentId: await client.createExperiment('outage'), runName: 'training' });
    const warnings: string[] = [];
    const logger = new MetricLogger(client, run.info.run_id, { flushIntervalMs: 100, flushSize: 200, onWarning: (w) => warnings.push(w) });
    let step = 0;
    // Logs for at least ms and at least `steps` steps: on a loaded machine the sleeps stretch, so
    // the count, not the clock, guarantees enough metrics fall into the outage.
    const logFor = async (ms: number, steps: number): Promise<void> => {
      const end = Date.now() + ms;
      for (let n = 0; n < steps || Date.now() < end; n++) {
        // log() is synchronous: it queues and returns, it cannot wait for the network.
        expect(logger.log('loss', 1 / (step + 1), step)).toBeUndefined();
        logger.log('rows_per_sec', 1000 + step, step);
        step++;
        await sleep(5);
      }
    };
    await logFor(1000, 20);
    await first.kill9();
    const beforeOutage = step;
    await logFor(4000, 100);
    expect(step - beforeOutage).toBeGreaterThanOrEqual(100);
    expect(logger.stats().pending).toBeGreaterThan(0);
    const second = await startChildServer(dir, first.port);
    children.push(second);
    await logFor(1000, 20);
    await logger.close();
    expect(logger.stats()).toEqual({ pending: 0, delivered: 2 * step, dropped: 0, rejected: 0 });
    expect(warnings.some((w) => /unreachable/.test(w))).toBe(true);
    await expectExactlyOnce(client, run.info.run_id, 'loss', step);
    await expectExactlyOnce(client, run.info.run_id, 'rows_per_sec', step);
    await second.kill9();
  });

  it('does not duplicate a batch whose answer was lost after the server stored it', async () => {
    const dir = tempDir();
    const server = await startTrackingServer({ storeDir: dir });
    const upstream = new URL(server.url);
    // A proxy that forwards each log-batch, waits for it to be stored, then drops the answer.
    let dropAnswers = 3;
    let stored = 0;
    const proxy: Server = createServer((req, res) => {
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          if (req.url?.includes('log-batch') && ur.statusCode === 200) stored++;
          if (req.url?.includes('log-batch') && dropAnswers > 0) {
            dropAnswers--;
            req.socket.destroy();
            return;
          }
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          res.end(Buffer.concat(chunks));
        });
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const client = new TrackingClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      const run = await client.createRun({ experimentId: '0', runName: 'lost-answers' });
      const logger = new MetricLogger(client, run.info.run_id, { flushSize: 100, flushIntervalMs: 50 });
      for (let i = 0; i < 500; i++) logger.log('m', i, i);
      await logger.close();
      expect(dropAnswers).toBe(0);
      expect(stored).toBeGreaterThanOrEqual(5);
      await expectExactlyOnce(new TrackingClient(server.url), run.info.run_id, 'm', 500);
      expect(logger.stats()).toMatchObject({ delivered: 500, pending: 0 });
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await server.close();
    }
  });

  it('when the buffer is full during an outage, drops the oldest queued metrics (not the batch in flight) and counts them', async () => {
    const dir = tempDir();
    const first = await startTrackingServer({ storeDir: dir });
    const port = first.port;
    const client = new TrackingClient(first.url);
    const run = await client.createRun({ experimentId: '0', runName: 'full-buffer' });
    await first.close();
    const logger = new MetricLogger(client, run.info.run_id, { maxBuffer: 100, flushSize: 50, flushIntervalMs: 50 });
    for (let i = 0; i < 150; i++) logger.log('m', i, i);
    expect(logger.stats()).toMatchObject({ pending: 100, dropped: 50 });
    const second = await startTrackingServer({ storeDir: dir, port });
    try {
      await logger.close();
      const steps = (await client.getMetricHistory(run.info.run_id, 'm')).map((m) => m.step).sort((a, b) => a - b);
      // Steps 0-49 were the batch in flight when the outage began; 50-99 were the oldest queued.
      expect(steps).toEqual([...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 100 + i)]);
    } finally {
      await second.close();
    }
  });

  it('close() gives up after closeTimeoutMs when the server never comes back, saying how many were lost', async () => {
    const dir = tempDir();
    const s = await startTrackingServer({ storeDir: dir });
    const client = new TrackingClient(s.url);
    const run = await client.createRun({ experimentId: '0' });
    await s.close();
    const logger = new MetricLogger(client, run.info.run_id, { closeTimeoutMs: 1500 });
    logger.log('m', 1, 0);
    logger.log('m', 2, 1);
    await expect(logger.close()).rejects.toThrow(/2 metrics of run .* were not delivered/);
  });

  it('rejects a bad key synchronously instead of poisoning a batch', async () => {
    const logger = new MetricLogger(new TrackingClient('http://127.0.0.1:9'), 'r', { closeTimeoutMs: 10 });
    expect(() => logger.log('bad key!', 1, 0)).toThrow(/metric key 'bad key!' is invalid/);
    await logger.close();
  });
});
