import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../e2e/harness';
import { writeFareCsv } from './helpers';

// The runtime image runs dist/runtime/dojo.mjs (and its chunks) with only better-sqlite3 installed
// (runtime/Dockerfile). Run the same bundle the same way: copied out of the repository, beside a
// node_modules that holds better-sqlite3 and its runtime dependencies and nothing else.
const root = resolve(__dirname, '../../..');
let dir: string;
let app: string;

beforeAll(() => {
  // Built when missing or stale (`npm test` builds first), never again beside other test files: a
  // rebuild rewrites dist/ under the CLI processes they run, which can then import a half-written chunk.
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'dojo-bundle-'));
  app = join(dir, 'app');
  cpSync(join(root, 'dist/runtime'), app, { recursive: true });
  mkdirSync(join(app, 'node_modules'));
  for (const p of ['better-sqlite3', 'bindings', 'file-uri-to-path']) symlinkSync(join(root, 'node_modules', p), join(app, 'node_modules', p), 'dir');
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = { ...process.env, DOJO_RANK: undefined, DOJO_WORLD_SIZE: undefined, DOJO_HPO_URI: undefined, DOJO_STUDY: undefined, NODE_PATH: undefined };
const dojo = (...args: string[]) => spawnSync(process.execPath, [join(app, 'dojo.mjs'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });

describe('the runtime bundle (dist/runtime) with only what the image installs', () => {
  it('train --help lists the flags', () => {
    const r = dojo('train', '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--train', '--val', '--test', '--hparams', '--dtype', '--on-bad-row', '--tracking', '--replicas', '--shard-size']) expect(r.stdout).toContain(flag);
  });

  it('trains on a few generated CSV rows and prints one JSON line', () => {
    const train = writeFareCsv(dir, 'train', 400, 2, 21);
    const val = writeFareCsv(dir, 'val', 100, 1, 22);
    const r = dojo('train', '--train', `file://${train}`, '--val', val, '--hparams', '{"batch_size": 50, "max_batches": 20}', '--dtype', 'float32');
    expect(r.stderr).toContain('step 20/20');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]) as { steps: number; val_rmse: number };
    expect(out.steps).toBe(20);
    expect(Number.isFinite(out.val_rmse)).toBe(true);
  });

  it('the worker loop loads and names what it misses (the worker task\'s command)', () => {
    const r = dojo('worker', 'run');
    expect(r.stderr).toMatch(/^dojo: worker: DOJO_HPO_URI is not set/m);
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find package/);
  });

  it('the HPO service starts and answers (the manager task\'s command, with better-sqlite3)', async () => {
    const child = spawn(process.execPath, [join(app, 'dojo.mjs'), 'hpo', 'serve', '--port', '0', '--db', join(dir, 'hpo.db')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => reject(new Error(`hpo serve printed no URL in 20 s: ${err}`)), 20_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[1]!);
          }
        });
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('exit', (code) => reject(new Error(`hpo serve exited ${code}: ${err}`)));
      });
      const res = await fetch(`${url}/api/v1/studies`);
      expect(res.status).toBe(200);
      // A finished study's HTML report (vega-lite rendering inside the bundle).
      const post = (path: string, body: unknown) => fetch(`${url}/api/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const space = { x: { type: 'float', low: -5, high: 10 }, y: { type: 'float', low: 0, high: 15 } };
      expect((await post('studies', { name: 's', direction: 'minimize', space, sampler: { name: 'random', seed: 1 }, maxTrials: 4 })).status).toBe(201);
      for (let k = 0; k < 4; k++) {
        const trial = (await (await post('studies/s/ask', {})).json()) as { number: number; params: { x: number; y: number } };
        expect((await post('studies/s/tell', { number: trial.number, state: 'complete', value: trial.params.x ** 2 + trial.params.y })).status).toBe(200);
      }
      const report = await fetch(`${url}/api/v1/studies/s/report`);
      expect(report.status).toBe(200);
      expect(await report.text()).toContain('<svg');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
