/**
 * Predict's CSV reader alone (no forward): CPU-seconds to stream synthetic labelled rows through
 * `readPredictBatches`, best of N passes.
 *   npx tsx bench/predict/reader.ts [rows=2000000] [reps=5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../../runtime/src/data';
import { FEATURE_NAMES, LABEL_NAME } from '../../runtime/src/data/schema';
import { readPredictBatches } from '../../runtime/src/predict/csv';

const rows = Number(process.argv[2] ?? 2_000_000);
const reps = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-predict-reader-'));
try {
  await synthesize({ rows, parts: 4, out: dir, seed: 1 });
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    let n = 0;
    let check = 0;
    for await (const b of readPredictBatches(join(dir, 'part-*.csv'), { features: FEATURE_NAMES, label: LABEL_NAME, batchRows: 65536 })) {
      n += b.rows;
      check += b.x[0]!; // touch the data so nothing is optimised away
    }
    const c = process.cpuUsage(c0);
    if (n !== rows || !Number.isFinite(check)) throw new Error(`read ${n} rows, expected ${rows}`);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  console.log(`readPredictBatches, ${rows.toLocaleString('en-US')} labelled rows in 4 files, best of ${reps}: ${best.toFixed(3)} CPU-s = ${(rows / best / 1e6).toFixed(2)} M rows per CPU-second`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
