// With host networking an instance has docker0 (172.17.0.1) as well: a replica must advertise the
// address the manager is reached through, not the first non-internal interface.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHpoService, type HpoServiceHandle } from '../../../lib/hpo/service';
import { advertisedAddress, rendezvousViaHpo, type Collective } from '../../../runtime/src/collective';
import { closeAll } from './helpers';

// This machine as an ECS host sees it: docker0 listed before the interface that reaches the manager.
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  const docker0 = { address: '172.17.0.1', netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:ac:11:00:01', internal: false, cidr: '172.17.0.1/16' } as const;
  return { ...os, networkInterfaces: () => ({ docker0: [docker0], ...os.networkInterfaces() }) };
});

describe('the address a replica advertises', () => {
  let hpo: HpoServiceHandle;
  let dir: string;
  let viaMapped: string;
  beforeAll(async () => {
    const { tmpdir } = await import('node:os');
    dir = mkdtempSync(join(tmpdir(), 'dojo-advertise-'));
    // The manager at an address that is not spelled as loopback (an IPv4-mapped IPv6 literal of 127.0.0.2).
    hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), host: '127.0.0.2', log: () => undefined });
    viaMapped = `http://[::ffff:7f00:2]:${hpo.port}`;
  });
  afterAll(async () => {
    await hpo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the local end of the connection to the HPO service, never docker0', async () => {
    expect(await advertisedAddress(new URL(viaMapped))).toBe('127.0.0.1');
    expect(await advertisedAddress(new URL(hpo.url))).toBe('127.0.0.1');
  });

  it('two replicas meet through it and their collective works', async () => {
    const members: Collective[] = await Promise.all([0, 1].map(() => rendezvousViaHpo(viaMapped, 'job-addr/0/0', 2, { portRange: 'any', trialLabel: 'addr' })));
    try {
      expect(members.map((m) => m.rank).sort()).toEqual([0, 1]);
      const bufs = members.map((m) => new Float32Array([m.rank]));
      await Promise.all(members.map((m, i) => m.allreduce(bufs[i]!, 'sum')));
      expect(bufs.map((b) => b[0])).toEqual([1, 1]);
    } finally {
      await closeAll(members);
    }
  });

  it('says which service it could not reach', async () => {
    await expect(advertisedAddress(new URL('http://[::ffff:7f00:2]:1'))).rejects.toThrow(/cannot reach the HPO service at http:\/\/\[::ffff:7f00:2\]:1 to learn this replica's address/);
  });
});
