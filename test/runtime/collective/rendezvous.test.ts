import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHpoService, type HpoServiceHandle } from '../../../lib/hpo/service';
import { collectiveFromEnv, DEFAULT_ALLREDUCE_PORTS, listenInRange, rendezvousFromEnv, rendezvousViaHpo, soloCollective, type Collective } from '../../../runtime/src/collective';
import { closeAll, lagMonitor, openMaster, outcome } from './helpers';

describe('rendezvousFromEnv', () => {
  it('reads the DOJO_ names and the book\'s aliases', () => {
    expect(rendezvousFromEnv({ DOJO_RANK: '2', DOJO_WORLD_SIZE: '4', DOJO_MASTER_ADDR: '10.0.0.5', DOJO_MASTER_PORT: '1234' })).toEqual({ rank: 2, worldSize: 4, peers: ['10.0.0.5:1234'] });
    expect(rendezvousFromEnv({ KAEN_RANK: '1', KAEN_WORLD_SIZE: '2', KAEN_JOB_MANAGER_IP: '10.1.2.3', MASTER_PORT: '23456' })).toEqual({ rank: 1, worldSize: 2, peers: ['10.1.2.3:23456'] });
    expect(rendezvousFromEnv({ DOJO_RANK: '0', DOJO_WORLD_SIZE: '2', DOJO_MASTER_ADDR: '::1' })).toEqual({ rank: 0, worldSize: 2, peers: ['[::1]:29500'] });
    expect(rendezvousFromEnv({ DOJO_WORLD_SIZE: '1' })).toEqual({ rank: 0, worldSize: 1, peers: [] });
    expect(rendezvousFromEnv({})).toBeUndefined();
  });

  it('names the variable that is wrong or missing', () => {
    expect(() => rendezvousFromEnv({ DOJO_WORLD_SIZE: 'two' })).toThrow('environment variable DOJO_WORLD_SIZE must be a whole number from 1 to 65535, got "two"');
    expect(() => rendezvousFromEnv({ DOJO_WORLD_SIZE: '3', DOJO_RANK: '3', DOJO_MASTER_ADDR: 'h' })).toThrow('environment variable DOJO_RANK must be a whole number from 0 to 2, got "3"');
    expect(() => rendezvousFromEnv({ KAEN_WORLD_SIZE: '3', DOJO_MASTER_ADDR: 'h' })).toThrow(/KAEN_WORLD_SIZE=3 but DOJO_RANK \(or KAEN_RANK\) is not set/);
    expect(() => rendezvousFromEnv({ DOJO_WORLD_SIZE: '2', DOJO_RANK: '1' })).toThrow(/DOJO_MASTER_ADDR \(or KAEN_JOB_MANAGER_IP or MASTER_ADDR\) is not set/);
    expect(() => rendezvousFromEnv({ DOJO_WORLD_SIZE: '2', DOJO_RANK: '1', DOJO_MASTER_ADDR: 'h', DOJO_MASTER_PORT: '70000' })).toThrow(/DOJO_MASTER_PORT must be a whole number from 1 to 65535/);
  });

  it('collectiveFromEnv is solo for a world of one and connects real ranks otherwise', async () => {
    expect(await collectiveFromEnv({})).toBe(soloCollective);
    expect(await collectiveFromEnv({ DOJO_WORLD_SIZE: '1' })).toBe(soloCollective);
    const { server, port } = await openMaster();
    await new Promise<void>((r) => server.close(() => r())); // rank 0 opens the port itself from the environment
    const env = (rank: number) => ({ DOJO_RANK: String(rank), DOJO_WORLD_SIZE: '3', DOJO_MASTER_ADDR: '127.0.0.1', DOJO_MASTER_PORT: String(port), DOJO_TRIAL: '12' });
    const members = await Promise.all([0, 1, 2].map((r) => collectiveFromEnv(env(r))));
    try {
      expect(members.map((m) => [m.rank, m.worldSize])).toEqual([[0, 3], [1, 3], [2, 3]]);
      const bufs = members.map((m) => new Float32Array([m.rank]));
      await Promise.all(members.map((m, r) => m.allreduce(bufs[r]!, 'sum')));
      expect(bufs.map((b) => b[0])).toEqual([3, 3, 3]);
    } finally {
      await closeAll(members);
    }
  });
});

describe('rendezvousViaHpo against the real HPO service on 127.0.0.1', () => {
  let hpo: HpoServiceHandle;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dojo-dist-hpo-'));
    hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), log: () => undefined });
  });
  afterAll(async () => {
    await hpo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replicas started with identical settings get unique ranks and a working collective', async () => {
    // A port range, as on AWS where the worker security group opens only the allreduce ports.
    const from = 41000 + Math.floor(Math.random() * 20000);
    const members: Collective[] = await Promise.all([0, 1, 2, 3].map(() => rendezvousViaHpo(hpo.url, 'study-1-trial-5', 4, { trialLabel: '5', portRange: { from, to: from + 9 } })));
    try {
      expect(members.map((m) => m.rank).sort()).toEqual([0, 1, 2, 3]);
      const bufs = members.map((m) => new Float64Array([m.rank, 10]));
      await Promise.all(members.map((m, i) => m.allreduce(bufs[i]!, 'mean')));
      for (const b of bufs) expect([...b]).toEqual([1.5, 10]);
    } finally {
      await closeAll(members);
    }
  });

  it('a rendezvous with a missing member times out with a clear message', async () => {
    // Both joins leave in the same tick; the window only has to outlast one stall of this process.
    const t0 = Date.now();
    const lag = lagMonitor();
    const outs = await Promise.all([0, 1].map(() => outcome(rendezvousViaHpo(hpo.url, 'study-1-trial-6', 3, { joinTimeoutMs: 2000 }))));
    expect(Date.now() - t0).toBeLessThan(2000 + 3000 + 2 * lag.stop());
    for (const o of outs) {
      expect(o.ok).toBe(false);
      if (!o.ok) {
        expect((o.error as { code?: string }).code).toBe('LOST');
        expect(o.error.message).toMatch(/rendezvous study-1-trial-6 timed out after 2000 ms: 2 of 3 replicas joined/);
      }
    }
  });

  it('an unreachable HPO service is a clear error, not a hang', async () => {
    const { server, port } = await openMaster();
    await new Promise<void>((r) => server.close(() => r()));
    const o = await outcome(rendezvousViaHpo(`http://127.0.0.1:${port}`, 'k', 2));
    expect(!o.ok && o.error.message).toMatch(new RegExp(`HPO service at http://127.0.0.1:${port} does not answer`));
  });
});

describe('ports of the collective', () => {
  it('the default allreduce range is the one a dojo opens between workers', async () => {
    const { ALLREDUCE_PORT_FROM, ALLREDUCE_PORT_TO } = await import('../../../lib/infra/ports');
    expect(DEFAULT_ALLREDUCE_PORTS).toEqual({ from: ALLREDUCE_PORT_FROM, to: ALLREDUCE_PORT_TO });
  });

  it('listenInRange skips ports in use and fails clearly when the range is full', async () => {
    // Find three consecutive free ports near a random high port.
    const base = 40000 + Math.floor(Math.random() * 20000);
    const taken = await Promise.all([listenInRange('127.0.0.1', { from: base, to: base }), listenInRange('127.0.0.1', { from: base + 1, to: base + 1 })]);
    try {
      const s = await listenInRange('127.0.0.1', { from: base, to: base + 2 });
      expect((s.address() as { port: number }).port).toBe(base + 2);
      const full = await outcome(listenInRange('127.0.0.1', { from: base, to: base + 2 }));
      expect(!full.ok && full.error.message).toMatch(new RegExp(`no free port for the collective in ${base}-${base + 2} on 127.0.0.1`));
      await new Promise<void>((r) => s.close(() => r()));
    } finally {
      for (const t of taken) t.close();
    }
  });
});
