// Allreduce overhead per training step on loopback: R = 2..4 replica processes (this 2-core
// machine), gradient buffers of the three benchmark models, float32 and float64.
//   npx tsx bench/collective/allreduce.ts [iterations]
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../lib/cli/io';
import { launchReplicas } from '../../runtime/src/collective';
import { modelLayout, DEFAULT_HPARAMS } from '../../runtime/src/model';

const iterations = process.argv[2] ?? '2000';
const models = [
  { name: '[3,5,8]+BN', hidden: [3, 5, 8], bn: 1 as const },
  { name: '[7,11,13]', hidden: [7, 11, 13], bn: 0 as const },
  { name: '[23,19,13,11,7]+BN', hidden: [23, 19, 13, 11, 7], bn: 1 as const },
];
const cases = models.map((m) => ({ name: m.name, params: modelLayout({ ...DEFAULT_HPARAMS, num_hidden_neurons: m.hidden, batch_norm_linear_layers: m.bn }).numParams }));
const worker = fileURLToPath(new URL('./allreduce-worker.ts', import.meta.url));

console.log(`allreduce (mean) on 127.0.0.1, star via rank 0, ${iterations} back-to-back operations per case; µs per operation`);
console.log('world  model                 params  dtype    bytes   mean µs  p50 µs  p99 µs');
for (const worldSize of [2, 3, 4]) {
  const io = memoryIo({ ...process.env, BENCH_CASES: JSON.stringify(cases), BENCH_ITERATIONS: iterations });
  const code = await launchReplicas(worldSize, [], io, { command: [process.execPath, '--import', 'tsx', worker] });
  if (code !== 0) {
    console.error(io.stderr.join('\n'));
    process.exit(code);
  }
  for (const line of io.stdout) {
    const r = JSON.parse(line) as { worldSize: number; op: string; model?: string; params: number; dtype?: string; bytes?: number; meanUs: number; p50Us: number; p99Us: number };
    const label = r.op === 'barrier' ? '(barrier)' : r.model!;
    console.log(
      `${String(r.worldSize).padStart(5)}  ${label.padEnd(20)} ${String(r.params).padStart(7)}  ${(r.dtype ?? '-').padEnd(7)} ${String(r.bytes ?? 0).padStart(6)}  ${r.meanUs.toFixed(1).padStart(8)} ${r.p50Us.toFixed(1).padStart(7)} ${r.p99Us.toFixed(1).padStart(7)}`,
    );
  }
}
