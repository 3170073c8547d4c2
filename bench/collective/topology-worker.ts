// One process of bench/collective/topology.ts: a bare full mesh of TCP connections (no heartbeats, no
// failure handling) to compare allreduce topologies on the same transport and frame codec.
import { connect, createServer, type Socket } from 'node:net';
import { encodeTensorFrame, FrameDecoder, Op } from '../../runtime/src/collective';
import type { Frame } from '../../runtime/src/collective/frame';

const rank = Number(process.env.DOJO_RANK);
const world = Number(process.env.DOJO_WORLD_SIZE);
const base = Number(process.env.BENCH_PORT_BASE);
const n = Number(process.env.BENCH_PARAMS ?? '1331');
const iterations = Number(process.env.BENCH_ITERATIONS ?? '2000');

/** A connection with a queue of received frames. */
class Conn {
  private readonly queue: Frame[] = [];
  private waiter: ((f: Frame) => void) | undefined;
  private readonly dec = new FrameDecoder();
  constructor(
    readonly socket: Socket,
    first?: Buffer,
  ) {
    socket.setNoDelay(true);
    if (first && first.length > 0) this.onData(first);
    socket.on('data', (c: Buffer) => this.onData(c));
  }
  private onData(c: Buffer): void {
    for (const f of this.dec.push(c)) {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(f);
      else this.queue.push(f);
    }
  }
  next(): Promise<Frame> {
    const f = this.queue.shift();
    return f ? Promise.resolve(f) : new Promise((r) => (this.waiter = r));
  }
}

const peers: Conn[] = new Array<Conn>(world);
await new Promise<void>((resolve) => {
  let missing = world - 1;
  const done = (): void => {
    if (--missing === 0) resolve();
  };
  if (missing === 0) resolve();
  const server = createServer((s) => {
    // The dialer's rank byte may arrive in one chunk with its first frame: keep the rest.
    s.once('data', (c: Buffer) => {
      peers[c[0]!] = new Conn(s, c.subarray(1));
      done();
    });
  });
  server.listen(base + rank, '127.0.0.1', () => {
    for (let r = 0; r < rank; r++) {
      const dial = (): void => {
        const s = connect({ host: '127.0.0.1', port: base + r }, () => {
          s.write(Buffer.from([rank]));
          peers[r] = new Conn(s);
          done();
        });
        s.once('error', () => setTimeout(dial, 50));
      };
      dial();
    }
  });
});

const buf = new Float64Array(n).fill(rank + 1);
const part = new Float64Array(n);
const add = (f: Frame): void => {
  new Uint8Array(part.buffer).set(f.payload);
  for (let i = 0; i < n; i++) buf[i] = buf[i]! + part[i]!;
};

/** Star via rank 0: gather to 0 in rank order, sum, send back. Two latencies. */
async function star(seq: number): Promise<void> {
  if (rank === 0) {
    for (let r = 1; r < world; r++) add(await peers[r]!.next());
    const out = encodeTensorFrame(Op.result, seq, buf);
    for (let r = 1; r < world; r++) peers[r]!.socket.write(out);
  } else {
    peers[0]!.socket.write(encodeTensorFrame(Op.reduce, seq, buf));
    new Uint8Array(buf.buffer).set((await peers[0]!.next()).payload);
  }
}

/** All-to-all, then every rank sums in rank order itself. One latency, R(R-1) messages. */
async function mesh(seq: number): Promise<void> {
  const out = encodeTensorFrame(Op.reduce, seq, buf);
  for (let r = 0; r < world; r++) if (r !== rank) peers[r]!.socket.write(out);
  const frames = await Promise.all(peers.map((p, r) => (r === rank ? undefined : p.next())));
  const own = buf.slice();
  buf.fill(0);
  for (let r = 0; r < world; r++) {
    if (r === rank) for (let i = 0; i < n; i++) buf[i] = r === 0 ? own[i]! : buf[i]! + own[i]!;
    else if (r === 0) new Uint8Array(buf.buffer).set(frames[0]!.payload);
    else add(frames[r]!);
  }
}

/** Ring: reduce-scatter then allgather in R chunks, 2(R-1) sequential latencies. */
async function ring(seq: number): Promise<void> {
  const next = peers[(rank + 1) % world]!;
  const prev = peers[(rank + world - 1) % world]!;
  const chunk = Math.ceil(n / world);
  const view = (c: number): Float64Array => buf.subarray(Math.min(n, c * chunk), Math.min(n, (c + 1) * chunk));
  for (let s = 0; s < world - 1; s++) {
    next.socket.write(encodeTensorFrame(Op.reduce, seq, view((rank - s + world) % world)));
    const f = await prev.next();
    const dst = view((rank - s - 1 + world) % world);
    const tmp = new Float64Array(dst.length);
    new Uint8Array(tmp.buffer).set(f.payload);
    for (let i = 0; i < dst.length; i++) dst[i] = dst[i]! + tmp[i]!;
  }
  for (let s = 0; s < world - 1; s++) {
    next.socket.write(encodeTensorFrame(Op.result, seq, view((rank + 1 - s + world) % world)));
    const f = await prev.next();
    const dst = view((rank - s + world) % world);
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(f.payload);
  }
}

for (const [name, op] of [['star', star], ['mesh', mesh], ['ring', ring]] as const) {
  let seq = 0;
  for (let i = 0; i < 200; i++) await op(++seq);
  const each = new Float64Array(iterations);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    await op(++seq);
    each[i] = (performance.now() - s) * 1000;
  }
  const mean = ((performance.now() - t0) * 1000) / iterations;
  each.sort();
  if (rank === 0) process.stdout.write(JSON.stringify({ world, n, topology: name, meanUs: mean, p50Us: each[iterations >> 1] }) + '\n');
}
process.exit(0);
