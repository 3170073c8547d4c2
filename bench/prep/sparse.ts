// The sparse first layer (issue 10): training rows/s of one model on raw inputs (8 numbers), on
// binned inputs kept sparse (4 numbers + 4 one-hot column indices: gather/scatter kernels), and on
// the same binned inputs written out dense (4 + 4·bins numbers through the dense kernels: what the
// one-hot encoding costs without the sparse layer). Data in memory, one thread, float32.
//   npx tsx bench/prep/sparse.ts [--seconds 0.5] [--repeat 5] [--batch 4096]
import { createModel, parseHParams, Rng, type Model } from '../../runtime/src/model';
import { trainStep } from '../../runtime/src/train/step';
import type { Batch } from '../../runtime/src/data/types';
import { fitFromStats, Preparer } from '../../runtime/src/prep';
import { bestRate } from '../train/common';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const seconds = arg('--seconds', 0.5);
const repeat = arg('--repeat', 5);
const batch = arg('--batch', 4096);

/** Raw taxi-like rows inside the DC box. */
function rawBatches(count: number): Batch[] {
  const rng = new Rng(7);
  return Array.from({ length: count }, () => {
    const x = new Float32Array(batch * 8);
    const y = new Float32Array(batch);
    for (let r = 0; r < batch; r++) {
      const row = [rng.uniform(38.82, 38.98), rng.uniform(-77.1, -76.92), rng.uniform(38.82, 38.98), rng.uniform(-77.1, -76.92), 2015 + Math.floor(rng.uniform(0, 5)), 1 + Math.floor(rng.uniform(0, 12)), Math.floor(rng.uniform(0, 7)), Math.floor(rng.uniform(0, 24))];
      x.set(row, r * 8);
      y[r] = 3 + 60 * Math.hypot(row[2]! - row[0]!, row[3]! - row[1]!) + rng.normal();
    }
    return { x, y, rows: batch, numFeatures: 8 };
  });
}

/** Copies a prepared (sparse) batch, and the same batch written out dense. */
function prepared(raw: Batch[], bins: number): { sparse: Batch[]; dense: Batch[] } {
  const p = new Preparer(fitFromStats({ bins }, [], [], []), 'float32', batch);
  const width = 4 + 4 * bins;
  const sparse: Batch[] = [];
  const dense: Batch[] = [];
  for (const b of raw) {
    const o = p.apply(b);
    const index = Int32Array.from(o.sparse!.index);
    sparse.push({ ...o, x: Float32Array.from(o.x), y: Float32Array.from(o.y), sparse: { ...o.sparse!, index } });
    const x = new Float32Array(batch * width);
    for (let r = 0; r < batch; r++) {
      x.set(o.x.subarray(r * 4, r * 4 + 4), r * width);
      for (let c = 0; c < 4; c++) x[r * width + index[r * 4 + c]!] = 1;
    }
    dense.push({ x, y: Float32Array.from(o.y), rows: batch, numFeatures: width });
  }
  return { sparse, dense };
}

/** Best rows/s of training steps on `batches`: wall clock and per CPU-second of this process. */
async function measure(model: Model, batches: Batch[]): Promise<[number, number]> {
  const { wall, cpu } = await bestRate((i) => trainStep(model, batches[i % batches.length]!), batch, seconds, repeat);
  return [wall, cpu];
}

const raw = rawBatches(4);
const k = (v: number): string => Math.round(v / 1000).toLocaleString('en-US');
console.log(`batch ${batch}, float32, wasm, best of ${repeat} × ${seconds}s windows; thousands of rows/s (wall / per CPU-s)`);
console.log('| hidden | BN | raw 8 inputs | bins | sparse one-hot | dense one-hot | sparse ÷ dense | sparse ÷ raw |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [hidden, bn] of [[[7, 11, 13], 0], [[3, 5, 8], 1], [[16, 8], 0], [[16, 8], 1]] as const) {
  const hp = (nf: number) => parseHParams({ num_features: nf, num_hidden_neurons: [...hidden], batch_norm_linear_layers: bn, batch_size: batch, lr: 0.001 });
  const [rawWall, rawCpu] = await measure(createModel(hp(8), 'float32'), raw);
  for (const bins of [64, 128]) {
    const { sparse, dense } = prepared(raw, bins);
    const prep = fitFromStats({ bins }, [], [], []);
    const [sw, sc] = await measure(createModel(hp(4 + 4 * bins), 'float32', { prep }), sparse);
    const [dw, dc] = await measure(createModel(hp(4 + 4 * bins), 'float32'), dense);
    console.log(`| [${hidden.join(',')}] | ${bn} | ${k(rawWall)} / ${k(rawCpu)} | ${bins} | ${k(sw)} / ${k(sc)} | ${k(dw)} / ${k(dc)} | ${(sc / dc).toFixed(1)}× | ${(sc / rawCpu).toFixed(2)}× |`);
  }
}
