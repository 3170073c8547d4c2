import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collective } from '../../../runtime/src/collective';
import { closeAll, sleep, startWorld } from './helpers';

type Arr = Float32Array | Float64Array;

function bytes(a: Arr): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The reference: a sequential sum over ranks in rank order, then the division for 'mean'. */
function sequentialReduce(parts: Arr[], op: 'sum' | 'mean'): Arr {
  const out = parts[0]!.slice();
  for (let r = 1; r < parts.length; r++) for (let i = 0; i < out.length; i++) out[i] = out[i]! + parts[r]![i]!;
  if (op === 'mean') for (let i = 0; i < out.length; i++) out[i] = out[i]! / parts.length;
  return out;
}

describe('collective over TCP on 127.0.0.1 (in-process, real sockets)', () => {
  const worlds = new Map<number, Collective[]>();
  beforeAll(async () => {
    for (let ws = 1; ws <= 5; ws++) worlds.set(ws, (await startWorld(ws)).members);
  });
  afterAll(async () => {
    for (const m of worlds.values()) await closeAll(m);
  });

  it('allreduce equals the sequential sum in rank order, bit-identical on every rank (sizes incl. 0 and 1, world sizes 1-5, float32 and float64)', async () => {
    const sample = fc.record({
      ws: fc.integer({ min: 1, max: 5 }),
      n: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 1500 })),
      f64: fc.boolean(),
      op: fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(sample, fc.context(), async ({ ws, n, f64, op, seed }, ctx) => {
        const members = worlds.get(ws)!;
        // Values of mixed magnitude and sign, where summation order changes the rounding.
        const rng = mulberry32(seed);
        const parts: Arr[] = members.map(() => {
          const a = f64 ? new Float64Array(n) : new Float32Array(n);
          for (let i = 0; i < n; i++) a[i] = (rng() - 0.5) * 10 ** Math.floor(rng() * 12 - 6);
          return a;
        });
        const want = sequentialReduce(parts, op);
        const bufs = parts.map((p) => p.slice());
        await Promise.all(members.map((m, r) => m.allreduce(bufs[r]!, op)));
        ctx.log(`ws=${ws} n=${n} ${f64 ? 'f64' : 'f32'} ${op}`);
        for (const b of bufs) expect(bytes(b).equals(bytes(want))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('allreduce of fast-check float64 values (incl. -0 and extremes) matches the sequential sum', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }).chain((ws) =>
          fc.tuple(fc.constant(ws), fc.integer({ min: 0, max: 8 }).chain((n) => fc.array(fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }), { minLength: ws, maxLength: ws }))),
        ),
        async ([ws, rows]) => {
          const members = worlds.get(ws)!;
          const parts = rows.map((r) => Float64Array.from(r));
          const want = sequentialReduce(parts, 'sum');
          await Promise.all(members.map((m, r) => m.allreduce(parts[r]!, 'sum')));
          for (const p of parts) expect(bytes(p).equals(bytes(want))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('broadcast copies the root buffer to every rank, for every root', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.nat(), fc.integer({ min: 0, max: 300 }), fc.boolean(), async (ws, rootSeed, n, f64) => {
        const members = worlds.get(ws)!;
        const root = rootSeed % ws;
        const bufs = members.map((_, r) => {
          const a = f64 ? new Float64Array(n) : new Float32Array(n);
          for (let i = 0; i < n; i++) a[i] = r * 1000 + i + 0.25;
          return a;
        });
        const want = bufs[root]!.slice();
        await Promise.all(members.map((m, r) => m.broadcast(bufs[r]!, root)));
        for (const b of bufs) expect(bytes(b).equals(bytes(want))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('barrier releases no rank before the last one arrives', async () => {
    const members = worlds.get(4)!;
    const t0 = Date.now();
    const released: number[] = [];
    const arrivals: number[] = [];
    await Promise.all(
      members.map(async (m, r) => {
        await sleep(40 * r);
        arrivals[r] = Date.now() - t0;
        await m.barrier();
        released[r] = Date.now() - t0;
      }),
    );
    const lastArrival = Math.max(...arrivals);
    for (const t of released) expect(t).toBeGreaterThanOrEqual(lastArrival);
  });

  it('operations called without awaiting run in call order', async () => {
    const members = worlds.get(3)!;
    const a = members.map((_, r) => new Float64Array([r + 1]));
    const b = members.map((_, r) => new Float64Array([10 * (r + 1)]));
    await Promise.all(members.flatMap((m, r) => [m.allreduce(a[r]!, 'sum'), m.broadcast(b[r]!, 2), m.barrier()]));
    for (let r = 0; r < 3; r++) {
      expect(a[r]![0]).toBe(6);
      expect(b[r]![0]).toBe(30);
    }
  });
});

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
