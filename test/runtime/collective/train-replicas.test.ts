import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `dojo train --replicas R` end to end: the real CLI (under tsx), real child processes, real CSVs.
const cli = fileURLToPath(new URL('../../../bin/dojo.ts', import.meta.url));
const dojo = [process.execPath, '--import', 'tsx', cli];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-dist-train-'));
  for (const [name, rows, seed] of [['train', 120_000, 1], ['val', 5_000, 2]] as const) {
    const r = spawnSync(dojo[0]!, [...dojo.slice(1), 'data', 'synth', '--rows', String(rows), '--parts', '3', '--seed', String(seed), '--out', join(dir, name)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function train(replicas: number, hparams: object, env: NodeJS.ProcessEnv = {}) {
  const args = ['train', '--replicas', String(replicas), '--shard-size', '5000', '--train', join(dir, 'train', 'part*.csv'), '--val', join(dir, 'val', 'part*.csv'), '--hparams', JSON.stringify(hparams)];
  const child = spawn(dojo[0]!, [...dojo.slice(1), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(...c.toString().split('\n').filter(Boolean)));
  child.stderr.on('data', (c: Buffer) => err.push(...c.toString().split('\n').filter(Boolean)));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out, err, exit };
}

/** The replica processes the launcher started, by rank (Linux /proc). */
function replicaPids(launcherPid: number): Map<number, number> {
  const pids = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const byRank = new Map<number, number>();
  for (const pid of pids) {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const rank = env.find((e) => e.startsWith('DOJO_RANK='));
    if (rank) byRank.set(Number(rank.slice('DOJO_RANK='.length)), pid);
  }
  return byRank;
}

async function until(pred: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const small = { num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: 0, batch_size: 1024 };

describe('dojo train --replicas', () => {
  it('2 replicas train together and print one JSON line, like one process', async () => {
    const run = train(2, { ...small, max_batches: 30 });
    expect(await run.exit).toBe(0);
    expect(run.out).toHaveLength(1);
    const result = JSON.parse(run.out[0]!) as { steps: number; val_rmse: number };
    expect(result.steps).toBe(30);
    expect(Number.isFinite(result.val_rmse)).toBe(true);
    expect(run.err.some((l) => l.startsWith('[rank 0] '))).toBe(true);
  });

  it('SIGKILL of one replica mid-training ends the others within the bound with "replica 1 of trial 0 lost"', async () => {
    // A death is seen when the connection closes; the bound is roomy so that slow process exits on
    // a loaded machine do not reach it (the message says it was the close, not the timeout).
    const boundMs = 30_000;
    const run = train(3, { ...small, max_batches: 10_000_000 }, { DOJO_DIST_TIMEOUT_MS: String(boundMs) });
    // Mid-training: rank 0 has reported progress.
    await until(() => run.err.some((l) => /^\[rank 0\] step \d+/.test(l)), 'training progress', 180_000);
    const pids = replicaPids(run.child.pid!);
    expect([...pids.keys()].sort()).toEqual([0, 1, 2]);
    const killedAt = Date.now();
    process.kill(pids.get(1)!, 'SIGKILL');
    const code = await run.exit;
    const elapsed = Date.now() - killedAt;
    expect(code).not.toBe(0);
    expect(elapsed).toBeLessThan(boundMs);
    for (const r of [0, 2]) {
      expect(run.err.some((l) => l.startsWith(`[rank ${r}] dojo: replica 1 of trial 0 lost: connection closed`)), run.err.slice(-8).join('\n')).toBe(true);
    }
    expect(run.err).toContain('[launch] replica 1 was killed by SIGKILL; stopping the other replicas');
    expect(run.out).toEqual([]);
  });
});
