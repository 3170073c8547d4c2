// The local servers (embedded tracking, HPO service) treat every request as hostile: a page in the
// user's browser (Chromium here) cannot use them cross-origin, a DNS-rebinding Host is refused,
// requests without the dojo's token are refused, POST bodies must be JSON; the web UI still works
// from the one-time `/?token=` URL.
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo/client';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { TrackingClient, startTrackingServer, type TrackingServerHandle } from '../../lib/tracking';

const TOKEN = 'test-token-0123456789abcdefghijklmn';
const dir = mkdtempSync(join(tmpdir(), 'dojo-guard-'));
let tracking: TrackingServerHandle;
let hpo: HpoServiceHandle;
let evil: Server;
let evilUrl: string;
let browser: Browser;
const space = { x: { type: 'float', low: 0, high: 1 } };

beforeAll(async () => {
  tracking = await startTrackingServer({ storeDir: join(dir, 'store'), token: TOKEN });
  hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), token: TOKEN, log: () => undefined });
  await new HpoClient(hpo.url, { token: TOKEN }).createStudy({ name: 's', direction: 'minimize', space, sampler: { name: 'random', seed: 1 }, maxTrials: 10 } as never);
  // The attacker's page: another origin on the same machine (same site for cookies: 127.0.0.1).
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>evil</title><p>hello</p>');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => evil?.close(r));
  await hpo?.close();
  await tracking?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One raw request (any Host header, any body) → status and body. */
function raw(url: string, o: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const r = request({ host: u.hostname, port: u.port, method: o.method ?? 'GET', path: o.path, headers: o.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end(o.body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const trialsHandedOut = async () => (await new HpoClient(hpo.url, { token: TOKEN }).getStudy('s')).trials.length;

describe('both servers', () => {
  const servers = () => [
    { name: 'tracking', url: tracking.url, path: '/api/2.0/mlflow/experiments/search?max_results=1', post: '/api/2.0/mlflow/experiments/create' },
    { name: 'hpo', url: hpo.url, path: '/api/v1/studies', post: '/api/v1/studies/s/ask' },
  ];

  it('refuse a Host that is not their address or a localhost name (DNS rebinding)', async () => {
    for (const s of servers()) {
      const port = new URL(s.url).port;
      for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`]) {
        const r = await raw(s.url, { path: s.path, headers: { ...auth, host } });
        expect(r.status, `${s.name} ${host}`).toBe(403);
        expect(r.body).toMatch(/is not this server/);
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await raw(s.url, { path: s.path, headers: { ...auth, host } })).status, `${s.name} ${host}`).toBe(200);
    }
  });

  it('refuse requests without the token, or with a wrong one; /health stays open', async () => {
    for (const s of servers()) {
      expect((await raw(s.url, { path: s.path })).status, s.name).toBe(401);
      expect((await raw(s.url, { path: s.path, headers: { authorization: 'Bearer wrong' } })).status, s.name).toBe(401);
      expect((await raw(s.url, { path: s.path, headers: { authorization: `Bearer ${TOKEN}x` } })).status, s.name).toBe(401);
      expect((await raw(s.url, { path: s.path, headers: auth })).status, s.name).toBe(200);
      expect((await raw(s.url, { path: '/health' })).status, s.name).toBe(200);
    }
    expect(await trialsHandedOut()).toBe(0);
  });

  it('refuse POST bodies that are not declared JSON (text/plain, form, none), even with the token', async () => {
    for (const s of servers()) {
      for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}] as Record<string, string>[]) {
        const r = await raw(s.url, { method: 'POST', path: s.post, headers: { ...auth, ...headers }, body: headers['content-type'] ? '{"name":"x"}' : undefined });
        // MLflow's own answer is 400 INVALID_PARAMETER_VALUE; the HPO service says 415.
        expect(r.status, `${s.name} ${JSON.stringify(headers)}`).toBe(s.name === 'tracking' ? 400 : 415);
        expect(r.body).toMatch(/must be JSON: Content-Type must be 'application\/json'/);
      }
    }
    expect(await trialsHandedOut()).toBe(0);
  });

  it('the dojo clients send the token (TrackingClient, HpoClient)', async () => {
    expect((await new TrackingClient(tracking.url, { token: TOKEN, retries: 0 }).searchExperiments({})).experiments.length).toBeGreaterThan(0);
    await expect(new TrackingClient(tracking.url, { retries: 0 }).searchExperiments({})).rejects.toThrow(/UNAUTHENTICATED/);
    await expect(new HpoClient(hpo.url).listStudies()).rejects.toThrow(/401/);
  });
});

describe('a page in the browser', () => {
  it('cannot use the HPO service cross-origin: five no-cors POSTs hand out no trial', async () => {
    const page = await browser.newPage();
    await page.goto(evilUrl);
    const results = await page.evaluate(async (u) => {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) {
        try {
          await fetch(`${u}/api/v1/studies/s/ask`, { method: 'POST', mode: 'no-cors', body: i % 2 ? 'x' : undefined });
          out.push('sent');
        } catch (e) {
          out.push(String(e));
        }
      }
      try {
        const r = await fetch(`${u}/api/v1/studies/s/ask`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer guess' }, body: '{}' });
        out.push(String(r.status));
      } catch (e) {
        out.push(`cors: ${String(e)}`);
      }
      return out;
    }, hpo.url);
    expect(results).toHaveLength(6);
    expect(await trialsHandedOut()).toBe(0);
    await page.close();
  });

  it('opens the tracking UI from /?token= (an HttpOnly SameSite=Strict cookie), and a same-site page of another origin still cannot write with that cookie', async () => {
    const tc = new TrackingClient(tracking.url, { token: TOKEN });
    await tc.createExperiment('visible-in-ui');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${tracking.url}/?token=${TOKEN}`);
    expect(page.url()).toBe(`${tracking.url}/`);
    await page.getByText('visible-in-ui').first().waitFor({ timeout: 30_000 });
    const cookie = (await context.cookies(tracking.url)).find((c) => c.name === 'dojo_token');
    expect(cookie).toMatchObject({ value: TOKEN, httpOnly: true, sameSite: 'Strict' });

    // Another origin on 127.0.0.1 is the same site: the browser sends the cookie; the Origin check refuses.
    const evilPage = await context.newPage();
    await evilPage.goto(evilUrl);
    const statuses = await evilPage.evaluate(async (u) => {
      await fetch(`${u}/ajax-api/2.0/mlflow/experiments/create`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"name":"made-by-evil"}' });
      let cors = 'blocked';
      try {
        cors = String((await fetch(`${u}/ajax-api/2.0/mlflow/experiments/create`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"name":"made-by-evil-2"}' })).status);
      } catch {
        // the preflight failed: no CORS headers
      }
      return cors;
    }, tracking.url);
    expect(statuses).toBe('blocked');
    expect(await tc.getExperimentByName('made-by-evil')).toBeUndefined();
    expect(await tc.getExperimentByName('made-by-evil-2')).toBeUndefined();

    // Without the cookie (a fresh browser profile) the UI is refused and says how to open it.
    const fresh = await browser.newContext();
    const p2 = await fresh.newPage();
    const res = await p2.goto(`${tracking.url}/`);
    expect(res?.status()).toBe(401);
    expect(await p2.content()).toMatch(/DOJO_UI_URL/);
    await fresh.close();
    await context.close();
  });
});
