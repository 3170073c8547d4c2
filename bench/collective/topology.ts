// Star vs all-to-all ("mesh") vs ring allreduce on the same bare transport, R = 2..4 processes on
// loopback, float64 buffers of the three models' parameter counts.
//   npx tsx bench/collective/topology.ts [iterations]
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../lib/cli/io';
import { launchReplicas, listen } from '../../runtime/src/collective';

const iterations = process.argv[2] ?? '2000';
const worker = fileURLToPath(new URL('./topology-worker.ts', import.meta.url));
console.log(`allreduce topologies on 127.0.0.1, float64, ${iterations} operations; p50 / mean µs per operation`);
console.log('world  params      star          mesh          ring');
for (const world of [2, 3, 4]) {
  for (const params of [152, 321, 1331]) {
    // A block of `world` consecutive free ports starting at a probed one.
    const probe = await listen('127.0.0.1', 0);
    const base = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const io = memoryIo({ ...process.env, BENCH_PARAMS: String(params), BENCH_ITERATIONS: iterations });
    const code = await launchReplicas(world, [], io, { command: [process.execPath, '--import', 'tsx', worker], env: { BENCH_PORT_BASE: String(base) } });
    if (code !== 0) {
      console.error(io.stderr.join('\n'));
      process.exit(code);
    }
    const rows = io.stdout.map((l) => JSON.parse(l) as { topology: string; meanUs: number; p50Us: number });
    const cell = (t: string): string => {
      const r = rows.find((x) => x.topology === t)!;
      return `${r.p50Us.toFixed(0).padStart(5)} / ${r.meanUs.toFixed(0).padStart(5)}`;
    };
    console.log(`${String(world).padStart(5)}  ${String(params).padStart(6)}  ${cell('star')}  ${cell('mesh')}  ${cell('ring')}`);
  }
}
