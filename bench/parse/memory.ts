// The row parser alone, on synthetic CSV bytes already in memory (no I/O, no batch bookkeeping):
//   npx tsx bench/parse/memory.ts [rows=1000000] [reps=10]
// Prints the best MB per CPU-second and rows per CPU-second of parseRowFast over the buffer.
import { NUM_FEATURES, parseRowFast } from '../../runtime/src/data';
import { partChunks } from '../../runtime/src/data/synth';

const rows = Number(process.argv[2] ?? 1_000_000);
const reps = Number(process.argv[3] ?? 10);
const buf = Buffer.concat([...partChunks(1, 0, rows)]);
const batch = 65536;
const x = new Float64Array(batch * NUM_FEATURES);
const y = new Float64Array(batch);
let best = 0;
for (let rep = 0; rep < reps; rep++) {
  const c0 = process.cpuUsage();
  let pos = buf.indexOf(10) + 1; // after the header
  let r = 0;
  let n = 0;
  while (pos < buf.length) {
    const end = parseRowFast(buf, pos, x, y, r);
    if (end < 0) throw new Error(`unexpected slow row at byte ${pos}`);
    pos = end + 1;
    r = r + 1 === batch ? 0 : r + 1;
    n++;
  }
  const cpu = process.cpuUsage(c0).user / 1e6;
  if (n !== rows) throw new Error(`parsed ${n} rows, expected ${rows}`);
  best = Math.max(best, buf.length / 1e6 / cpu);
}
console.log(`parseRowFast, in memory: ${(buf.length / 1e6).toFixed(0)} MB, best of ${reps}: ${best.toFixed(0)} MB per CPU-second, ${((best * 1e6 * rows) / buf.length / 1e6).toFixed(2)} M rows per CPU-second`);
