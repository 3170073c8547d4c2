import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { launchReplicas, withoutReplicasFlag } from '../../../runtime/src/collective';

const fixture = fileURLToPath(new URL('./fixtures/replica.ts', import.meta.url));
const command = [process.execPath, '--import', 'tsx', fixture];

/** Resolves once `pred` holds for the recorded stderr, polling; gives up after 40 s. */
async function until(pred: () => boolean): Promise<void> {
  const end = Date.now() + 40_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached within 40 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('replicas as real processes', () => {
  it('withoutReplicasFlag drops --replicas N and --replicas=N only', () => {
    expect(withoutReplicasFlag(['train', '--replicas', '3', '--rows', '5'])).toEqual(['train', '--rows', '5']);
    expect(withoutReplicasFlag(['train', '--replicas=2', '--json'])).toEqual(['train', '--json']);
  });

  it('launchReplicas runs R processes that complete together; stdout is rank 0 only, stderr prefixed', async () => {
    const io = memoryIo({ ...process.env, FIXTURE_STEPS: '20', FIXTURE_STEP_MS: '1' });
    const code = await launchReplicas(3, ['--replicas', '3'], io, { command });
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    // mean over ranks of (rank + step) = 1 + step; summed over 20 steps = 20 + 210.
    expect(JSON.parse(io.stdout[0]!)).toEqual({ rank: 0, steps: 20, check: 230 });
    for (const r of [0, 1, 2]) expect(io.stderr).toContain(`[rank ${r}] joined as rank ${r} of 3`);
  });

  it('SIGKILL of one replica mid-training ends every other replica within the bound, with the loss message', async () => {
    const timeoutMs = 5000;
    const io = memoryIo({ ...process.env, DOJO_TRIAL: '42', DOJO_DIST_TIMEOUT_MS: String(timeoutMs), FIXTURE_STEP_MS: '5' });
    let killedAt = 0;
    const done = launchReplicas(3, [], io, {
      command,
      graceMs: 10_000, // let the survivors notice on their own
      onSpawn: (rank, child) => {
        if (rank !== 1) return;
        void until(() => io.stderr.filter((l) => /step 10$/.test(l)).length >= 3).then(() => {
          killedAt = Date.now();
          child.kill('SIGKILL');
        });
      },
    });
    const code = await done;
    const elapsed = Date.now() - killedAt;
    expect(code).not.toBe(0);
    expect(elapsed).toBeLessThan(timeoutMs);
    expect(io.stderr).toContain('[launch] replica 1 was killed by SIGKILL; stopping the other replicas');
    for (const r of [0, 2]) {
      expect(io.stderr.some((l) => l.startsWith(`[rank ${r}] dojo: replica 1 of trial 42 lost: connection closed`))).toBe(true);
    }
    expect(io.stdout).toEqual([]);
  });

  it('SIGKILL of rank 0 ends the others too', async () => {
    const io = memoryIo({ ...process.env, DOJO_TRIAL: '43', DOJO_DIST_TIMEOUT_MS: '5000', FIXTURE_STEP_MS: '5' });
    let killedAt = 0;
    const code = await launchReplicas(3, [], io, {
      command,
      graceMs: 10_000,
      onSpawn: (rank, child) => {
        if (rank === 0) void until(() => io.stderr.filter((l) => /step 10$/.test(l)).length >= 3).then(() => ((killedAt = Date.now()), child.kill('SIGKILL')));
      },
    });
    expect(code).not.toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    for (const r of [1, 2]) expect(io.stderr.some((l) => l.startsWith(`[rank ${r}] dojo: replica 0 of trial 43 lost: connection closed`))).toBe(true);
  });

  it('a hung replica (SIGSTOP) is declared lost within the bound and the launcher ends it', async () => {
    const timeoutMs = 1500;
    const io = memoryIo({ ...process.env, DOJO_TRIAL: '44', DOJO_DIST_TIMEOUT_MS: String(timeoutMs), FIXTURE_STEP_MS: '5' });
    let stoppedAt = 0;
    const firstLoss: number[] = [];
    const code = await launchReplicas(3, [], io, {
      command,
      graceMs: 200,
      onSpawn: (rank, child) => {
        if (rank === 2) {
          void until(() => io.stderr.filter((l) => /step 10$/.test(l)).length >= 3).then(() => {
            stoppedAt = Date.now();
            child.kill('SIGSTOP');
            void until(() => io.stderr.some((l) => /lost/.test(l))).then(() => firstLoss.push(Date.now()));
          });
        }
      },
    });
    expect(code).not.toBe(0);
    const detected = firstLoss[0]! - stoppedAt;
    expect(detected).toBeGreaterThanOrEqual(timeoutMs - 100);
    expect(detected).toBeLessThan(timeoutMs + 1500);
    for (const r of [0, 1]) expect(io.stderr.some((l) => new RegExp(`^\\[rank ${r}\\] dojo: replica 2 of trial 44 lost: (no message for|did not reach allreduce)`).test(l))).toBe(true);
  });

  it('a replica that exits with an error makes the launcher fail fast', async () => {
    // Rank 1 exits with code 3 at once; rank 0 would exit 0: the launcher reports rank 1's code.
    const io = memoryIo({ ...process.env, FIXTURE_STEP_MS: '5' });
    const t0 = Date.now();
    const code = await launchReplicas(2, [], io, { command: [process.execPath, '--import', 'tsx', '-e', 'process.exit(Number(process.env.DOJO_RANK) === 1 ? 3 : 0)'], graceMs: 100 });
    expect(code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(io.stderr).toContain('[launch] replica 1 exited with code 3; stopping the other replicas');
  });

  it('a rendezvous through the environment with a missing member times out with a clear message (real processes)', async () => {
    const env = { ...process.env, DOJO_WORLD_SIZE: '3', DOJO_MASTER_ADDR: '127.0.0.1', DOJO_TRIAL: '7', DOJO_DIST_TIMEOUT_MS: '800' };
    // Rank 0 needs a concrete port: find one by letting the OS pick, then start ranks 0 and 1 only.
    const { listen } = await import('../../../runtime/src/collective');
    const probe = await listen('127.0.0.1', 0);
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const run = (rank: number) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(command[0]!, command.slice(1), { env: { ...env, DOJO_MASTER_PORT: String(port), DOJO_RANK: String(rank) }, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('close', (code) => resolve({ code, err }));
      });
    const t0 = Date.now();
    const [r0, r1] = await Promise.all([run(0), run(1)]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r0.code).toBe(1);
    expect(r0.err).toMatch(/dojo: rendezvous of trial 7 timed out after 0.8 s: 2 of 3 replicas joined \(missing rank 2\)/);
    expect(r1.code).toBe(1);
    // Replica 1 hears rank 0's verdict, or, when it started well before rank 0 (a loaded machine
    // staggers the two spawns), its own longer deadline ends first: both name the trial and the cause.
    expect(r1.err).toMatch(/dojo: (replica 1 could not join trial 7 .*missing rank 2|rendezvous of trial 7 timed out after [\d.]+ s: replica 0 at 127\.0\.0\.1:\d+ accepted replica 1 but the other replicas did not all join)/);
  });
});
