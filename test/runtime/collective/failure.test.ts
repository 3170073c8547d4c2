import { afterEach, describe, expect, it } from 'vitest';
import { isDojoError } from '../../../lib/errors';
import { connectCollective, encodeFrame, FRAME_HEADER_BYTES, Op, type Collective } from '../../../runtime/src/collective';
import { encodeAbort, encodeHello } from '../../../runtime/src/collective/frame';
import { closeAll, lagMonitor, openMaster, outcome, rawConnect, record, sleep, startWorld } from './helpers';

const opened: Collective[] = [];
afterEach(async () => {
  await closeAll(opened.splice(0));
});

/** A hand-made replica: connects to rank 0, says hello as `rank`, and then does only what the test says. */
async function fakeReplica(port: number, rank: number, worldSize: number, label = 't') {
  const s = await rawConnect(port);
  const rec = record(s);
  s.write(encodeFrame(Op.hello, 0, 0, encodeHello(rank, worldSize, label)));
  return { socket: s, rec };
}

function expectLost(e: unknown, pattern: RegExp): void {
  expect(isDojoError(e) && e.code === 'LOST').toBe(true);
  expect((e as Error).message).toMatch(pattern);
}

describe('collective failure handling', () => {
  it('an abort that arrives in the same packet as the welcome is not lost', async () => {
    // A hand-made rank 0: answers the hello with welcome + abort in one write.
    const { server, addr } = await openMaster();
    server.on('connection', (s) => {
      s.once('data', () => s.write(Buffer.concat([encodeFrame(Op.welcome, 0, 0), encodeFrame(Op.abort, 0, 0, encodeAbort(2, 'connection closed (test)'))])));
    });
    const leaf = await connectCollective({ rank: 1, worldSize: 3, peers: [addr], trialLabel: 'w' });
    opened.push(leaf);
    const o = await outcome(leaf.allreduce(new Float64Array(1), 'sum'));
    expect(!o.ok && o.error.message).toBe('replica 2 of trial w lost: connection closed (test)');
    server.close();
  });

  it('drops garbage sent to the collective port during and after the rendezvous, and keeps working', async () => {
    const { server, addr, port } = await openMaster();
    // Garbage arrives before any replica joined.
    const g1 = await rawConnect(port);
    const g1rec = record(g1);
    g1.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const members = await Promise.all([0, 1, 2].map((rank) => connectCollective({ rank, worldSize: 3, peers: [addr], trialLabel: 't', ...(rank === 0 ? { server } : {}) })));
    opened.push(...members);
    await g1rec.closed; // rank 0 hung up on it
    // Garbage after the rendezvous: random bytes, a truncated header, a valid-looking huge frame.
    for (const junk of [Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]), Buffer.alloc(FRAME_HEADER_BYTES - 1, 0x44), Buffer.alloc(4096, 0xff)]) {
      const g = await rawConnect(port);
      const rec = record(g);
      g.write(junk);
      if (junk.length >= FRAME_HEADER_BYTES) await rec.closed;
      else g.destroy();
    }
    // A well-formed hello after the rendezvous is refused with a reason.
    const late = await fakeReplica(port, 1, 3);
    await late.rec.closed;
    expect(late.rec.bytes().subarray(FRAME_HEADER_BYTES).toString()).toMatch(/already complete/);
    const bufs = members.map((_, r) => new Float64Array([r, 1]));
    await Promise.all(members.map((m, r) => m.allreduce(bufs[r]!, 'sum')));
    for (const b of bufs) expect([...b]).toEqual([3, 3]);
  });

  it('a replica sending garbage on its established connection is reported lost; the receiver does not crash', async () => {
    const { server, addr, port } = await openMaster();
    const root = connectCollective({ rank: 0, worldSize: 3, peers: [addr], server, trialLabel: '17' });
    const fake = await fakeReplica(port, 1, 3, '17');
    const real = await connectCollective({ rank: 2, worldSize: 3, peers: [addr], trialLabel: '17' });
    const c0 = await root;
    opened.push(c0, real);
    const r0 = outcome(c0.allreduce(new Float64Array(4), 'sum'));
    const r2 = outcome(real.allreduce(new Float64Array(4), 'sum'));
    fake.socket.write(Buffer.from('this is not a frame, just bytes!'));
    for (const r of [await r0, await r2]) {
      expect(r.ok).toBe(false);
      if (!r.ok) expectLost(r.error, /^replica 1 of trial 17 lost: protocol error: bad magic/);
    }
    fake.socket.destroy();
  });

  it('a mismatched operation or buffer is a protocol error naming the replica', async () => {
    const { members } = await startWorld(3, { trialLabel: '5' });
    opened.push(...members);
    const outs = await Promise.all([
      outcome(members[0]!.allreduce(new Float64Array(3), 'sum')),
      outcome(members[1]!.barrier()),
      outcome(members[2]!.allreduce(new Float64Array(3), 'sum')),
    ]);
    for (const o of outs) {
      expect(o.ok).toBe(false);
      if (!o.ok) expectLost(o.error, /^replica 1 of trial 5 lost: protocol error: expected reduce of allreduce #1, got barrier #1/);
    }
    const w2 = await startWorld(2, { trialLabel: '6' });
    opened.push(...w2.members);
    const o2 = await Promise.all([outcome(w2.members[0]!.allreduce(new Float64Array(3), 'sum')), outcome(w2.members[1]!.allreduce(new Float32Array(3), 'sum'))]);
    for (const o of o2) {
      expect(o.ok).toBe(false);
      if (!o.ok) expectLost(o.error, /^replica 1 of trial 6 lost: protocol error: for allreduce #1 it sent 3 float32 values, expected 3 float64/);
    }
  });

  it('a replica that disconnects mid-operation ends every other replica at once', async () => {
    const { server, addr, port } = await openMaster();
    // A disconnect is seen at once, long before the lost-replica timeout.
    const timeoutMs = 20_000;
    const root = connectCollective({ rank: 0, worldSize: 3, peers: [addr], server, trialLabel: '9', timeoutMs });
    const fake = await fakeReplica(port, 2, 3, '9');
    const real = await connectCollective({ rank: 1, worldSize: 3, peers: [addr], trialLabel: '9', timeoutMs });
    const c0 = await root;
    opened.push(c0, real);
    const t0 = Date.now();
    const outs = Promise.all([outcome(c0.allreduce(new Float32Array(2), 'mean')), outcome(real.allreduce(new Float32Array(2), 'mean'))]);
    await sleep(50);
    fake.socket.destroy();
    for (const o of await outs) {
      expect(o.ok).toBe(false);
      if (!o.ok) expectLost(o.error, /^replica 2 of trial 9 lost: connection closed/);
    }
    expect(Date.now() - t0).toBeLessThan(timeoutMs);
    // Every later operation fails with the same error instead of hanging.
    const later = await outcome(real.barrier());
    expect(!later.ok && later.error.message).toMatch(/^replica 2 of trial 9 lost/);
  });

  it('a silent (hung) replica is lost within the timeout; the others learn who it was', async () => {
    const { server, addr, port } = await openMaster();
    const timeoutMs = 600;
    const root = connectCollective({ rank: 0, worldSize: 3, peers: [addr], server, trialLabel: '4', timeoutMs });
    const hung = await fakeReplica(port, 1, 3, '4'); // joins, then never sends anything again
    const real = await connectCollective({ rank: 2, worldSize: 3, peers: [addr], trialLabel: '4', timeoutMs });
    const c0 = await root;
    opened.push(c0, real);
    const t0 = Date.now();
    const lag = lagMonitor();
    const outs = await Promise.all([outcome(c0.allreduce(new Float64Array(1), 'sum')), outcome(real.allreduce(new Float64Array(1), 'sum'))]);
    const elapsed = Date.now() - t0;
    const stalled = lag.stop();
    for (const o of outs) {
      expect(o.ok).toBe(false);
      if (!o.ok) expectLost(o.error, /^replica 1 of trial 4 lost: (no message for|did not reach allreduce #1 within)/);
    }
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
    // The bound plus a heartbeat period, plus however long this process was kept from running.
    expect(elapsed).toBeLessThan(timeoutMs + 1000 + 2 * stalled);
    hung.socket.destroy();
  });

  it('an alive replica that never reaches the operation is lost after the timeout, not waited for forever', async () => {
    const { members } = await startWorld(3, { trialLabel: '8', timeoutMs: 500 });
    opened.push(...members);
    const t0 = Date.now();
    const lag = lagMonitor();
    // Rank 2 stays connected (its heartbeats flow) but does not call allreduce.
    const outs = await Promise.all([outcome(members[0]!.allreduce(new Float64Array(1), 'sum')), outcome(members[1]!.allreduce(new Float64Array(1), 'sum'))]);
    for (const o of outs) {
      expect(o.ok).toBe(false);
      if (!o.ok) expectLost(o.error, /^replica 2 of trial 8 lost: did not reach allreduce #1 within 0.5 s/);
    }
    expect(Date.now() - t0).toBeLessThan(1500 + 2 * lag.stop());
    const o2 = await outcome(members[2]!.allreduce(new Float64Array(1), 'sum'));
    expect(!o2.ok && o2.error.message).toMatch(/^replica 2 of trial 8 lost/);
  });

  it('heartbeats keep an idle world alive for longer than the timeout', async () => {
    const { members } = await startWorld(3, { trialLabel: 'h', timeoutMs: 300 });
    opened.push(...members);
    await sleep(1000);
    const bufs = members.map(() => new Float64Array([1]));
    await Promise.all(members.map((m, r) => m.allreduce(bufs[r]!, 'sum')));
    expect(bufs.map((b) => b[0])).toEqual([3, 3, 3]);
  });

  it('a rendezvous with a missing member times out on every joined replica with a clear message', async () => {
    // Rank 1 dials in the same tick as rank 0 listens: the window only has to outlast one stall of this process.
    const t0 = Date.now();
    const lag = lagMonitor();
    const { server, addr } = await openMaster();
    const outs = await Promise.all(
      [0, 1].map((rank) => outcome(connectCollective({ rank, worldSize: 3, peers: [addr], trialLabel: '3', rendezvousTimeoutMs: 2000, ...(rank === 0 ? { server } : {}) }))),
    );
    expect(Date.now() - t0).toBeLessThan(2000 * 1.5 + 1000 + 2 * lag.stop());
    const [o0, o1] = outs;
    expect(!o0!.ok && o0!.error.message).toBe(
      `rendezvous of trial 3 timed out after 2 s: 2 of 3 replicas joined (missing rank 2); check that every replica started and can reach 127.0.0.1:${addr.split(':')[1]}`,
    );
    expect(!o1!.ok && o1!.error.message).toMatch(/^replica 1 could not join trial 3 at 127\.0\.0\.1:\d+: rendezvous of trial 3 timed out after 2 s: 2 of 3 replicas joined \(missing rank 2\)/);
  });

  it('a replica whose rank 0 never appears gives up after the rendezvous timeout', async () => {
    const { server, addr } = await openMaster();
    await new Promise<void>((r) => server.close(() => r())); // nobody listens there now
    const t0 = Date.now();
    const lag = lagMonitor();
    const o = await outcome(connectCollective({ rank: 1, worldSize: 2, peers: [addr], trialLabel: 'x', rendezvousTimeoutMs: 500 }));
    expect(Date.now() - t0).toBeLessThan(2000 + 2 * lag.stop());
    expect(!o.ok && o.error.message).toMatch(/^rendezvous of trial x timed out after 0.5 s: replica 1 could not complete the join at replica 0 127\.0\.0\.1:\d+ \(last error: ECONNREFUSED\)/);
  });

  it('refuses a replica of another trial or world size', async () => {
    const { server, addr } = await openMaster();
    const root = outcome(connectCollective({ rank: 0, worldSize: 2, peers: [addr], server, trialLabel: 'a', rendezvousTimeoutMs: 1500 }));
    const wrongTrial = await outcome(connectCollective({ rank: 1, worldSize: 2, peers: [addr], trialLabel: 'b' }));
    expect(!wrongTrial.ok && wrongTrial.error.message).toMatch(/could not join trial b .*: replica 0 serves trial a, not trial b/);
    const wrongSize = await outcome(connectCollective({ rank: 1, worldSize: 3, peers: [addr], trialLabel: 'a' }));
    expect(!wrongSize.ok && wrongSize.error.message).toMatch(/world size 3 does not match replica 0's 2/);
    const ok = await connectCollective({ rank: 1, worldSize: 2, peers: [addr], trialLabel: 'a' });
    const r0 = await root;
    expect(r0.ok).toBe(true);
    if (r0.ok) opened.push(r0.value);
    opened.push(ok);
  });
});
