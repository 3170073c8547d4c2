import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTrackingServer, TrackingClient } from '../../lib/tracking';

/** The server the contract suite runs against. */
export interface ServerUnderTest {
  url: string;
  client: TrackingClient;
  /** True for our embedded server; false when DOJO_TEST_TRACKING_URI points elsewhere. */
  embedded: boolean;
  /** The store directory of the embedded server (undefined for an external server). */
  storeDir?: string;
  close(): Promise<void>;
}

/** The external server to test instead of the embedded one, if any. */
export const EXTERNAL_URI = process.env['DOJO_TEST_TRACKING_URI'];

/**
 * Starts the embedded server on a temp store, or uses DOJO_TEST_TRACKING_URI (any MLflow-compatible
 * server, e.g. a real MLflow 2.11) so that the same contract suite checks both.
 */
export async function serverUnderTest(): Promise<ServerUnderTest> {
  if (EXTERNAL_URI) {
    return { url: EXTERNAL_URI.replace(/\/$/, ''), client: new TrackingClient(EXTERNAL_URI, { retries: 2 }), embedded: false, close: async () => undefined };
  }
  const storeDir = mkdtempSync(join(tmpdir(), 'dojo-tracking-'));
  const server = await startTrackingServer({ storeDir });
  return {
    url: server.url,
    client: new TrackingClient(server.url, { retries: 2, backoffMs: 20 }),
    embedded: true,
    storeDir,
    close: async () => {
      await server.close();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** A name no other test (or earlier run against an external server) has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A raw MLflow API call, to check wire details the typed client hides. */
export async function raw(url: string, method: 'GET' | 'POST' | 'DELETE' | 'PATCH', endpoint: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
  const full = `${url}/api/2.0/mlflow/${endpoint}`;
  const res = await fetch(full, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? undefined : { 'Content-Type': contentType },
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Awaits a promise that must fail with MLflow's error_code and HTTP status. */
export async function expectMlflowError(p: Promise<unknown>, errorCode: string, status: number, message?: RegExp): Promise<void> {
  const { TrackingError } = await import('../../lib/tracking');
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof TrackingError)) throw new Error(`expected a TrackingError ${errorCode}, got ${String(caught)}`);
  if (caught.errorCode !== errorCode || caught.status !== status || (message && !message.test(caught.message))) {
    throw new Error(`expected ${status} ${errorCode}${message ? ' ' + String(message) : ''}, got ${caught.status} ${caught.errorCode}: ${caught.message}`);
  }
}

/** An HTTP request sent byte-for-byte (fetch would normalise `..` segments away before sending). */
export async function rawHttp(baseUrl: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const { request } = await import('node:http');
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
