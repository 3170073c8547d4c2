import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFareCsv } from './helpers';

// The runtime image runs dist/runtime/dojo.mjs; run the same bundle here, outside Docker.
const root = resolve(__dirname, '../../..');
const bundle = join(root, 'dist/runtime/dojo.mjs');
let dir: string;

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  dir = mkdtempSync(join(tmpdir(), 'dojo-bundle-'));
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const dojo = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DOJO_RANK: undefined, DOJO_WORLD_SIZE: undefined } });

describe('the runtime bundle (dist/runtime/dojo.mjs)', () => {
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
});
