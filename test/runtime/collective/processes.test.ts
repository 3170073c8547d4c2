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
    // A death is seen when the connection closes, long before the lost-replica bound (roomy, so a
    // loaded machine's slow process exits do not reach it; the message names the cause).
    const timeoutMs = 20_000;
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
    const timeoutMs = 20_000;
    const io = memoryIo({ ...process.env, DOJO_TRIAL: '43', DOJO_DIST_TIMEOUT_MS: String(timeoutMs), FIXTURE_STEP_MS: '5' });
    let killedAt = 0;
    const code = await launchReplicas(3, [], io, {
      command,
      graceMs: 10_000,
      onSpawn: (rank, child) => {
        if (rank === 0) void until(() => io.stderr.filter((l) => /step 10$/.test(l)).length >= 3).then(() => ((killedAt = Date.now()), child.kill('SIGKILL')));
      },
    });
    expect(code).not.toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(timeoutMs);
    for (const r of [1, 2]) expect(io.stderr.some((l) => l.startsWith(`[rank ${r}] dojo: replica 0 of trial 43 lost: connection closed`))).toBe(true);
  });

  it('a hung replica (SIGSTOP) is declared lost within the bound and the launcher ends it', async () => {
    // Long enough that the live replicas, starved on a loaded machine, are not taken for hung.
    const timeoutMs = 6000;
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
    // Noticed by the next heartbeat check after the bound; a loaded machine may add seconds on top.
    expect(detected).toBeLessThan(2 * timeoutMs);
    for (const r of [0, 1]) expect(io.stderr.some((l) => new RegExp(`^\\[rank ${r}\\] dojo: replica 2 of trial 44 lost: (no message for|did not reach allreduce)`).test(l))).toBe(true);
  });

  it('a replica that exits with an error makes the launcher fail fast', async () => {
    // Rank 1 exits with code 3 at once; rank 0 would exit 0: the launcher reports rank 1's code.
    const io = memoryIo({ ...process.env, FIXTURE_STEP_MS: '5' });
    const code = await launchReplicas(2, [], io, { command: [process.execPath, '--import', 'tsx', '-e', 'process.exit(Number(process.env.DOJO_RANK) === 1 ? 3 : 0)'], graceMs: 100 });
    expect(code).toBe(3);
    expect(io.stderr).toContain('[launch] replica 1 exited with code 3; stopping the other replicas');
  });

  it('a rendezvous through the environment with a missing member times out with a clear message (real processes)', async () => {
    // Event-driven, not a race of two process starts: rank 1 starts first and dials (it retries
    // until rank 0 listens, with a roomy deadline of its own); only once it runs does rank 0 start,
    // with a window that outlasts rank 1's retry interval on a slow machine. Rank 2 never comes.
    const windowMs = 5000;
    const env = { ...process.env, DOJO_WORLD_SIZE: '3', DOJO_MASTER_ADDR: '127.0.0.1', DOJO_TRIAL: '7' };
    const { listen } = await import('../../../runtime/src/collective');
    const probe = await listen('127.0.0.1', 0);
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const run = (rank: number, timeoutMs: number) => {
      const child = spawn(command[0]!, command.slice(1), {
        env: { ...env, DOJO_MASTER_PORT: String(port), DOJO_RANK: String(rank), DOJO_DIST_TIMEOUT_MS: String(timeoutMs) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      const done = new Promise<{ code: number | null; err: string }>((resolve) => child.on('close', (code) => resolve({ code, err })));
      return { done, err: () => err };
    };
    const r1 = run(1, 60_000);
    await until(() => r1.err().includes('dialing rank 0'));
    const r0 = run(0, windowMs);
    const [o0, o1] = await Promise.all([r0.done, r1.done]);
    expect(o0.code).toBe(1);
    expect(o0.err).toMatch(/dojo: rendezvous of trial 7 timed out after 5 s: 2 of 3 replicas joined \(missing rank 2\)/);
    // Replica 1 hears rank 0's verdict.
    expect(o1.code).toBe(1);
    expect(o1.err).toMatch(/dojo: replica 1 could not join trial 7 at 127\.0\.0\.1:\d+: rendezvous of trial 7 timed out after 5 s: 2 of 3 replicas joined \(missing rank 2\)/);
  });
});
