// The first rendezvous of a job waits for replicas whose ECS tasks are still PROVISIONING (the
// worker group scaling out) or PENDING (an image pull), up to the job's deadline, not one 60 s join.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHpoService, type HpoServiceHandle } from '../../../lib/hpo/service';
import { deadlineFromEnv, rendezvousViaHpo, type Collective } from '../../../runtime/src/collective';
import { closeAll } from './helpers';

/** A pass-through proxy in front of the HPO service that counts the joins of each rendezvous key. */
function countingProxy(target: string): Promise<{ url: string; joins: Map<string, number>; waitJoins(key: string, n: number): Promise<void>; close(): Promise<void> }> {
  const joins = new Map<string, number>();
  const waiters: (() => void)[] = [];
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const m = /\/api\/v1\/rendezvous\/([^/]+)\/join$/.exec(req.url ?? '');
    if (m) {
      const key = decodeURIComponent(m[1]!);
      joins.set(key, (joins.get(key) ?? 0) + 1);
      for (const w of waiters.splice(0)) w();
    }
    const up = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        joins,
        async waitJoins(key, n) {
          while ((joins.get(key) ?? 0) < n) await new Promise<void>((r) => waiters.push(r));
        },
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

describe('a rendezvous with a job deadline', () => {
  let hpo: HpoServiceHandle;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dojo-rdv-deadline-'));
    hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), log: () => undefined });
  });
  afterAll(async () => {
    await hpo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps joining while the other replica is still provisioning, and forms once it arrives', async () => {
    const proxy = await countingProxy(hpo.url);
    const members: Collective[] = [];
    try {
      const key = 'job-prov/0/0';
      // Each join waits 300 ms; the deadline is far (60 s): replica 0 re-joins until replica 1 comes.
      const first = rendezvousViaHpo(proxy.url, key, 2, { joinTimeoutMs: 300, deadline: Date.now() + 60_000, trialLabel: key });
      // Replica 1's task "starts" only after replica 0's first join has timed out and it joined again.
      await proxy.waitJoins(key, 3);
      const second = rendezvousViaHpo(proxy.url, key, 2, { joinTimeoutMs: 300, deadline: Date.now() + 60_000, trialLabel: key });
      members.push(...(await Promise.all([first, second])));
      expect(members.map((m) => m.rank).sort()).toEqual([0, 1]);
      const bufs = members.map((m) => new Float64Array([m.rank + 1]));
      await Promise.all(members.map((m, i) => m.allreduce(bufs[i]!, 'sum')));
      expect(bufs.map((b) => b[0])).toEqual([3, 3]);
    } finally {
      await closeAll(members);
      await proxy.close();
    }
  });

  it('gives up at the deadline with one clear line naming the deadline and who joined', async () => {
    const deadline = Date.now() + 1500;
    const err = await rendezvousViaHpo(hpo.url, 'job-late/0/0', 3, { joinTimeoutMs: 400, deadline }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(err?.message).toBe(
      `rendezvous job-late/0/0: gave up at the job's deadline ${new Date(deadline).toISOString()}: 1 of 3 replicas joined; ` +
        "the missing replicas' tasks never started (no capacity, or they failed): see `dojo job inspect` and the ECS console",
    );
  });

  it('without a deadline one join times out as before', async () => {
    await expect(rendezvousViaHpo(hpo.url, 'job-once/0/0', 2, { joinTimeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms: 1 of 2 replicas joined/);
  });

  it('reads the deadline from DOJO_RENDEZVOUS_DEADLINE (epoch ms) and names a bad value', () => {
    expect(deadlineFromEnv({ DOJO_RENDEZVOUS_DEADLINE: '1800000000000' })).toBe(1_800_000_000_000);
    expect(deadlineFromEnv({})).toBeUndefined();
    expect(() => deadlineFromEnv({ DOJO_RENDEZVOUS_DEADLINE: 'soon' })).toThrow('environment variable DOJO_RENDEZVOUS_DEADLINE must be a time in epoch milliseconds, got "soon"');
  });
});
