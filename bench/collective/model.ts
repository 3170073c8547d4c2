// The on-paper model of data-parallel scaling (bench/README.md, "Data-parallel training"): bytes
// exchanged per step by the star allreduce and the expected scaling efficiency on 2-16 workers.
//   npx tsx bench/collective/model.ts [--latency-us 100] [--gbit 5] [--root-us 20]
// Compute time per row: PyTorch 1.13 float64, one thread (issue 3's reference; dojo's target is >= 1x).
import { modelLayout, DEFAULT_HPARAMS } from '../../runtime/src/model';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const L = arg('--latency-us', 100) * 1e-6; // one-way message latency incl. the software stack
const BW = (arg('--gbit', 5) * 1e9) / 8; // bytes/s of rank 0's link
const O = arg('--root-us', 20) * 1e-6; // rank 0's CPU per peer per step (receive, add, send)
const HEADER = 16;

/** krows/s, float64, PyTorch reference at batch 4096 and 65536 (issue 3). */
const models = [
  { name: '[3,5,8]+BN', hidden: [3, 5, 8], bn: 1 as const, krows: { 4096: 1448, 65536: 1867 } },
  { name: '[7,11,13]', hidden: [7, 11, 13], bn: 0 as const, krows: { 4096: 4416, 65536: 4557 } },
  { name: '[23,19,13,11,7]+BN', hidden: [23, 19, 13, 11, 7], bn: 1 as const, krows: { 4096: 564, 65536: 515 } },
];
const worlds = [2, 4, 8, 16];
const batches = [4096, 16384, 65536, 262144];

/** Star via rank 0: two latencies, rank 0's link carries (R-1) messages each way, rank 0 handles R-1 peers. */
function starSeconds(R: number, S: number): number {
  return 2 * L + (2 * (R - 1) * S) / BW + (R - 1) * O;
}
/** Ring (reduce-scatter + allgather): 2(R-1) sequential hops of S/R bytes. */
function ringSeconds(R: number, S: number): number {
  return 2 * (R - 1) * (L + S / R / BW + O);
}
/** Recursive doubling (R a power of two): log2 R exchange rounds of S bytes. */
function doublingSeconds(R: number, S: number): number {
  return Math.log2(R) * (L + S / BW + O);
}

console.log(`assumptions: one-way latency L = ${Math.round(L * 1e6)} µs, rank 0 link ${(BW * 8) / 1e9} Gbit/s, rank 0 CPU o = ${Math.round(O * 1e6)} µs per peer, float64 (e = 8 bytes)`);
for (const m of models) {
  const N = modelLayout({ ...DEFAULT_HPARAMS, num_hidden_neurons: m.hidden, batch_norm_linear_layers: m.bn }).numParams;
  const S = HEADER + 8 * N;
  console.log(`\n${m.name}: N = ${N} parameters, S = ${S} bytes per message`);
  console.log('  R | bytes/step (all via rank 0) | per other rank | star µs | ring µs | rec.doubling µs | efficiency at B = ' + batches.join(' / '));
  for (const R of worlds) {
    const star = starSeconds(R, S);
    const effs = batches.map((B) => {
      const perRow = 1 / (1000 * (B <= 16384 ? m.krows[4096] : m.krows[65536]));
      const comp = B * perRow;
      return `${((100 * comp) / (comp + star)).toFixed(1)}%`;
    });
    console.log(
      `  ${String(R).padStart(2)} | ${String(2 * (R - 1) * S).padStart(27)} | ${String(2 * S).padStart(14)} | ${(star * 1e6).toFixed(0).padStart(7)} | ${(ringSeconds(R, S) * 1e6).toFixed(0).padStart(7)} | ${(doublingSeconds(R, S) * 1e6).toFixed(0).padStart(15)} | ${effs.join(' / ')}`,
    );
  }
}
