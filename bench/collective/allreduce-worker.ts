// One replica of bench/collective/allreduce.ts (started by launchReplicas with DOJO_* set): times
// back-to-back collective operations of gradient-sized buffers; rank 0 prints one JSON line per case.
import { collectiveFromEnv } from '../../runtime/src/collective';

interface Case {
  readonly name: string;
  readonly params: number;
}

const cases = JSON.parse(process.env.BENCH_CASES ?? '[]') as Case[];
const iterations = Number(process.env.BENCH_ITERATIONS ?? '2000');

const c = await collectiveFromEnv(process.env);
const report = (o: object): void => {
  if (c.rank === 0) process.stdout.write(JSON.stringify({ worldSize: c.worldSize, ...o }) + '\n');
};

async function time(run: () => Promise<void>): Promise<{ meanUs: number; p50Us: number; p99Us: number }> {
  for (let i = 0; i < Math.max(100, iterations / 10); i++) await run(); // warm up JIT and sockets
  await c.barrier();
  const each = new Float64Array(iterations);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const s = process.hrtime.bigint();
    await run();
    each[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const total = Number(process.hrtime.bigint() - t0) / 1000;
  each.sort();
  return { meanUs: total / iterations, p50Us: each[Math.floor(iterations * 0.5)]!, p99Us: each[Math.floor(iterations * 0.99)]! };
}

for (const k of cases) {
  for (const dtype of ['float32', 'float64'] as const) {
    const buf = dtype === 'float64' ? new Float64Array(k.params) : new Float32Array(k.params);
    buf.fill(c.rank + 1);
    report({ op: 'allreduce', model: k.name, params: k.params, dtype, bytes: buf.byteLength, ...(await time(() => c.allreduce(buf, 'mean'))) });
  }
}
// Last, so that no replica is still starting up (JIT, tsx transpiling) while it is timed.
report({ op: 'barrier', params: 0, ...(await time(() => c.barrier())) });
await c.close();
