import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricLogger, replaySpilledMetrics, startTrackingServer, TrackingClient } from '../../lib/tracking';
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
    const logger = new MetricLogger(client, run.info.run_id, { flushIntervalMs: 100, flushSize: 200, spillDir: dir, onWarning: (w) => warnings.push(w) });
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
    expect(await logger.close()).toEqual({ pending: 0, spilled: 0, delivered: 2 * step, rejected: 0, undelivered: 0 });
    // Warned once that it fell behind, once that it caught up; not once per failed attempt.
    expect(warnings.filter((w) => /unreachable/.test(w))).toHaveLength(1);
    expect(warnings.at(-1)).toBe(`tracking: all ${2 * step} metric points of run ${run.info.run_id} delivered`);
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
      const logger = new MetricLogger(client, run.info.run_id, { flushSize: 100, flushIntervalMs: 50, spillDir: join(dir, 'spill') });
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

  it('beyond maxBuffer during an outage, points wait in a spill file and are all delivered in order when the server is back', async () => {
    const dir = tempDir();
    const first = await startTrackingServer({ storeDir: join(dir, 'store') });
    const port = first.port;
    const client = new TrackingClient(first.url);
    const run = await client.createRun({ experimentId: '0', runName: 'spill' });
    await first.close();
    const spillDir = join(dir, 'spill');
    const logger = new MetricLogger(client, run.info.run_id, { maxBuffer: 100, flushSize: 50, flushIntervalMs: 50, spillDir });
    for (let i = 0; i < 1000; i++) logger.log('m', i, i);
    // At most maxBuffer in memory (plus the batch in flight when the outage began); the rest on disk.
    expect(logger.stats().pending).toBe(1000);
    expect(logger.stats().spilled).toBeGreaterThanOrEqual(850);
    expect(readdirSync(spillDir)).toHaveLength(1);
    const second = await startTrackingServer({ storeDir: join(dir, 'store'), port });
    try {
      expect(await logger.close()).toMatchObject({ pending: 0, delivered: 1000, undelivered: 0 });
      await expectExactlyOnce(client, run.info.run_id, 'm', 1000);
      expect(readdirSync(spillDir)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('close() past its deadline keeps the rest in a spill file and counts it; replaySpilledMetrics delivers it later', async () => {
    const dir = tempDir();
    const s = await startTrackingServer({ storeDir: join(dir, 'store') });
    const port = s.port;
    const client = new TrackingClient(s.url);
    const run = await client.createRun({ experimentId: '0' });
    await s.close();
    const spillDir = join(dir, 'spill');
    const logger = new MetricLogger(client, run.info.run_id, { spillDir });
    logger.log('m', 1, 0);
    logger.log('m', 2, 1);
    const r = await logger.close(1500);
    expect(r).toMatchObject({ pending: 2, delivered: 0, undelivered: 2, spillFile: expect.stringMatching(/\.pending\.jsonl$/) });
    expect(readdirSync(spillDir)).toEqual([basename(r.spillFile!)]);
    // Another server's replay leaves the file alone.
    expect(await replaySpilledMetrics(new TrackingClient('http://127.0.0.1:9'), { dir: spillDir, timeoutMs: 100 })).toEqual({ files: 0, delivered: 0, undelivered: 0 });
    const back = await startTrackingServer({ storeDir: join(dir, 'store'), port });
    try {
      expect(await replaySpilledMetrics(client, { dir: spillDir })).toEqual({ files: 1, delivered: 2, undelivered: 0 });
      await expectExactlyOnce(client, run.info.run_id, 'm', 2);
      expect(readdirSync(spillDir)).toEqual([]);
    } finally {
      await back.close();
    }
  });

  it('applies backpressure when the server is up but slower than the caller, and warns once', async () => {
    const dir = tempDir();
    const server = await startTrackingServer({ storeDir: dir });
    const upstream = new URL(server.url);
    // A proxy that holds every log-batch answer for 100 ms: a slow server.
    const proxy: Server = createServer((req, res) => {
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => {
          const answer = (): void => {
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            res.end(Buffer.concat(chunks));
          };
          if (req.url?.includes('log-batch')) setTimeout(answer, 100);
          else answer();
        });
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const client = new TrackingClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      const run = await client.createRun({ experimentId: '0', runName: 'slow' });
      const warnings: string[] = [];
      const logger = new MetricLogger(client, run.info.run_id, { flushSize: 100, highWater: 300, spillDir: join(dir, 'spill'), onWarning: (w) => warnings.push(w) });
      let waits = 0;
      let most = 0;
      for (let i = 0; i < 2000; i++) {
        logger.log('m', i, i);
        most = Math.max(most, logger.stats().pending);
        const wait = logger.backpressure();
        if (wait) {
          waits++;
          await wait;
        }
      }
      // The caller waited instead of piling up points: never more than highWater + the batch in flight.
      expect(waits).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(300 + 100);
      expect(logger.stats().spilled).toBe(0);
      expect(await logger.close()).toMatchObject({ delivered: 2000, undelivered: 0 });
      expect(warnings.filter((w) => /backpressure/.test(w))).toHaveLength(1);
      await expectExactlyOnce(new TrackingClient(server.url), run.info.run_id, 'm', 2000);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await server.close();
    }
  });

  it('rejects a bad key synchronously instead of poisoning a batch', async () => {
    const logger = new MetricLogger(new TrackingClient('http://127.0.0.1:9'), 'r', { spillDir: tempDir() });
    expect(() => logger.log('bad key!', 1, 0)).toThrow(/Invalid metric name: 'bad key!'/);
    expect(await logger.close(10)).toMatchObject({ pending: 0, undelivered: 0 });
  });
});
