/**
 * Inference throughput on one core.
 *   npx tsx bench/predict/predict.ts [rows-for-csv=2000000]
 * 1. forward only: eval-mode forward of [7,11,13] (BN off and on) over in-memory data, batch 65536,
 *    float32 and float64 (rows/s over >= 1.5 s of repeated passes, best of 3);
 * 2. end to end: `predictCsv` over synthetic CSV files (parse + forward, RMSE against the label),
 *    without and with formatting the predictions CSV (written to a discarding sink), best of 3 passes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../../runtime/src/data';
import type { DType } from '../../runtime/src/data/types';
import { createModel, forward, parseHParams } from '../../runtime/src/model';
import { decodeModel, encodeModel } from '../../runtime/src/model-file';
import { predictCsv } from '../../runtime/src/predict';

const BATCH = 65536;
const csvRows = Number(process.argv[2] ?? 2_000_000);

/** A [7,11,13] model as predict gets it: encoded to a model file and decoded again. */
function loadedModel(dtype: DType, bn: 0 | 1, batch = BATCH) {
  const hp = parseHParams({ num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: bn, seed: 3 });
  const m = createModel(hp, dtype, { capacityRows: batch });
  return decodeModel(encodeModel(m), 'bench', { capacityRows: batch });
}

/** Rows per wall-clock second and per CPU-second of this process (the machine is shared: the CPU figure is the cost). */
function forwardOnly(dtype: DType, bn: 0 | 1, batch: number): { wall: number; cpu: number } {
  const { model } = loadedModel(dtype, bn, batch);
  const x = dtype === 'float64' ? new Float64Array(batch * 8) : new Float32Array(batch * 8);
  for (let i = 0; i < x.length; i++) x[i] = [38.9, -77.03, 38.91, -77.0, 2017, 6, 4, 12][i % 8]! + (i % 97) * 1e-3;
  const out = dtype === 'float64' ? new Float64Array(batch) : new Float32Array(batch);
  for (let i = 0; i < 20; i++) forward(model, x, batch, out); // warm-up (JIT, wasm tier-up)
  let rows = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < 1500) {
    forward(model, x, batch, out);
    rows += batch;
  }
  const c = process.cpuUsage(c0);
  return { wall: rows / ((performance.now() - t0) / 1000), cpu: rows / ((c.user + c.system) / 1e6) };
}

const fmt = (v: number): string => `${(v / 1e6).toFixed(2)}M rows/s`;

console.log('forward only, [7,11,13], one thread (best of 3):');
for (const batch of [8192, BATCH]) {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const bn of [0, 1] as const) {
      const runs = [forwardOnly(dtype, bn, batch), forwardOnly(dtype, bn, batch), forwardOnly(dtype, bn, batch)];
      const wall = Math.max(...runs.map((r) => r.wall));
      const cpu = Math.max(...runs.map((r) => r.cpu));
      console.log(`  batch ${batch} ${dtype} BN ${bn ? 'on ' : 'off'}: ${fmt(wall)} wall clock, ${(cpu / 1e6).toFixed(2)}M rows per CPU-second`);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-predict-'));
try {
  const syn = await synthesize({ rows: csvRows, parts: 4, out: dir, seed: 5 });
  console.log(`end to end over ${csvRows.toLocaleString('en-US')} CSV rows in 4 local files (${(syn.bytes / 1e6).toFixed(0)} MB), batch ${BATCH}, best of 3:`);
  for (const dtype of ['float32', 'float64'] as const) {
    const { model, header } = loadedModel(dtype, 1);
    for (const write of [false, true]) {
      const runs = [];
      for (let k = 0; k < 3; k++) runs.push(await predictCsv({ model, header, input: join(dir, 'part-*.csv'), batchRows: BATCH, write: write ? () => undefined : undefined }));
      const s = runs.reduce((a, b) => (b.rows_per_sec > a.rows_per_sec ? b : a));
      console.log(
        `  ${dtype} BN on, ${write ? 'with   ' : 'without'} CSV output: ${fmt(s.rows_per_sec)} end to end (${((syn.bytes / 1e6) / s.seconds).toFixed(0)} MB/s), forward ${fmt(s.forward_rows_per_sec)}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
