// The fit pass of the feature stages (issue 10) with exact sums (ExactSums) vs plain f64 sums.
// Generates DC-taxi CSV rows with `synthesize`, then per repetition streams them once through
// openBatches and: only reads (the parse floor), sums with plain f64 (the old fit), sums exactly
// (the same loop as fitPrep), and runs fitPrep itself. Prints rows/s (best of --reps) and the time
// ratio exact/plain. Also the accumulator alone on values in memory (ns per value, no parse).
//   flock /tmp/bench.lock npx tsx bench/prep/fit.ts [--rows 1000000] [--reps 5] [--batch 65536] [--dtype float64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBatches, synthesize } from '../../runtime/src/data';
import { NUM_FEATURES } from '../../runtime/src/data/schema';
import type { DType } from '../../runtime/src/data/types';
import { soloCollective } from '../../runtime/src/collective/collective';
import { fitPrep } from '../../runtime/src/prep';
import { ExactSums } from '../../runtime/src/prep/exact-sum';

const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : d;
};
const rows = Number(arg('--rows', '1000000'));
const reps = Number(arg('--reps', '5'));
const batchSize = Number(arg('--batch', '65536'));
const dtype = arg('--dtype', 'float64') as DType;

type Mode = 'read' | 'plain' | 'exact';

/** One pass over the data; returns a checksum so no loop can be optimised away. */
async function pass(glob: string, mode: Mode): Promise<number> {
  const reader = await openBatches({ glob, rank: 0, worldSize: 1, shardSize: 100_000, batchSize, dtype, onBadRow: 'mark', cycle: false });
  const plain = new Float64Array(3 * NUM_FEATURES);
  const exact = new ExactSums(2 * NUM_FEATURES);
  const count = new Float64Array(NUM_FEATURES);
  let seen = 0;
  try {
    for (let b = await reader.next(); b; b = await reader.next()) {
      const { x, rows: n } = b;
      seen += n;
      if (mode === 'plain') {
        for (let r = 0; r < n; r++) {
          const base = r * NUM_FEATURES;
          for (let k = 0; k < NUM_FEATURES; k++) {
            const v = x[base + k]!;
            if (v === v) {
              plain[k] += v;
              plain[NUM_FEATURES + k] += v * v;
              plain[2 * NUM_FEATURES + k] += 1;
            }
          }
        }
      } else if (mode === 'exact') {
        for (let k = 0; k < NUM_FEATURES; k++) count[k] += exact.addColumn(x, k, NUM_FEATURES, n, k, NUM_FEATURES + k);
      }
    }
  } finally {
    await reader.close();
  }
  return mode === 'plain' ? plain[0]! : mode === 'exact' ? exact.round(0) + count[0]! : seen;
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The accumulator alone: ns per value over `passes` passes of one batch in memory, plain f64 (the old row loop) vs exact. */
function inMemory(batch: Float64Array, passes: number): { plain: number; exact: number } {
  let bestPlain = Infinity;
  let bestExact = Infinity;
  let sink = 0;
  const rowsIn = batch.length / NUM_FEATURES;
  for (let rep = 0; rep < reps; rep++) {
    const acc = new Float64Array(3 * NUM_FEATURES);
    let t0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) {
      for (let i = 0; i < batch.length; i += NUM_FEATURES) {
        for (let k = 0; k < NUM_FEATURES; k++) {
          const v = batch[i + k]!;
          if (v === v) {
            acc[k] += v;
            acc[NUM_FEATURES + k] += v * v;
            acc[2 * NUM_FEATURES + k] += 1;
          }
        }
      }
    }
    bestPlain = Math.min(bestPlain, Number(process.hrtime.bigint() - t0));
    sink += acc[3]!;
    const ex = new ExactSums(2 * NUM_FEATURES);
    t0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) {
      for (let k = 0; k < NUM_FEATURES; k++) sink += ex.addColumn(batch, k, NUM_FEATURES, rowsIn, k, NUM_FEATURES + k);
    }
    bestExact = Math.min(bestExact, Number(process.hrtime.bigint() - t0));
    sink += ex.round(3);
  }
  if (Number.isNaN(sink)) console.log('(sink)');
  return { plain: bestPlain / (batch.length * passes), exact: bestExact / (batch.length * passes) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-fit-'));
  try {
    await synthesize({ rows, parts: 4, out: dir, seed: 1 });
    const glob = join(dir, 'part-*.csv');
    console.log(`fit pass over ${rows.toLocaleString('en-US')} generated rows (4 files), batch ${batchSize}, ${dtype}, best of ${reps}`);
    const best: Record<Mode | 'fitPrep', number> = { read: Infinity, plain: Infinity, exact: Infinity, fitPrep: Infinity };
    const stages = { missing: 'mean' as const, scale: 'standard' as const };
    for (let rep = 0; rep < reps; rep++) {
      // Interleaved, so load changes on the shared machine hit every mode alike.
      for (const mode of ['read', 'plain', 'exact'] as const) best[mode] = Math.min(best[mode], await timed(() => pass(glob, mode)));
      best.fitPrep = Math.min(best.fitPrep, await timed(() => fitPrep(stages, { glob, shardSize: 100_000, batchSize, dtype, onBadRow: 'mark' }, soloCollective)));
    }
    console.log('pass                         s     M rows/s');
    for (const [name, s] of Object.entries(best)) console.log(`${name.padEnd(24)} ${s.toFixed(3).padStart(6)}  ${(rows / s / 1e6).toFixed(2).padStart(8)}`);
    console.log(`exact / plain time: ${(best.exact / best.plain).toFixed(3)}x; fitPrep / plain: ${(best.fitPrep / best.plain).toFixed(3)}x`);

    // The accumulator alone, on the first batch held in memory, passed over 16 times.
    const reader = await openBatches({ glob, rank: 0, worldSize: 1, shardSize: 100_000, batchSize, dtype: 'float64', onBadRow: 'mark', cycle: false });
    const first = await reader.next();
    await reader.close();
    const batch = first ? Float64Array.from(first.x.subarray(0, first.rows * NUM_FEATURES)) : new Float64Array(0);
    const passes = Math.max(16, Math.round(1_000_000 / Math.max(1, batch.length / NUM_FEATURES)));
    const m = inMemory(batch, passes);
    console.log(`in memory (one batch of ${(batch.length / NUM_FEATURES).toLocaleString('en-US')} rows, ${passes} passes; v and v*v per value): plain ${m.plain.toFixed(2)} ns/value, exact ${m.exact.toFixed(2)} ns/value`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
