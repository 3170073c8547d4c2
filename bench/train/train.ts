// Training throughput: rows/s through forward + backward + clip + AdamW step, data already in memory,
// one thread. Usage: npx tsx bench/train/train.ts [--backend wasm|js] [--seconds S] [--repeat N] [--only SUBSTR]
// DOJO_WASM_FMA=0 turns the relaxed-SIMD fused multiply-add off.
import { createModel, parseHParams, Rng } from '../../runtime/src/model';
import { trainStep } from '../../runtime/src/train/step';
import { wasmFmaEnabled } from '../../runtime/src/model/wasm-network';
import type { Batch, DType } from '../../runtime/src/data/types';

/** PyTorch 1.13, one thread, thousands of rows/s (issue 3). */
const CONFIGS: { hidden: number[]; bn: 0 | 1; batch: number; torch: Record<DType, number> }[] = [
  { hidden: [3, 5, 8], bn: 1, batch: 4096, torch: { float32: 1584, float64: 1448 } },
  { hidden: [3, 5, 8], bn: 1, batch: 65536, torch: { float32: 2184, float64: 1867 } },
  { hidden: [7, 11, 13], bn: 0, batch: 4096, torch: { float32: 5152, float64: 4416 } },
  { hidden: [7, 11, 13], bn: 0, batch: 65536, torch: { float32: 7749, float64: 4557 } },
  { hidden: [23, 19, 13, 11, 7], bn: 1, batch: 4096, torch: { float32: 649, float64: 564 } },
  { hidden: [23, 19, 13, 11, 7], bn: 1, batch: 65536, torch: { float32: 783, float64: 515 } },
];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

/** Taxi-like rows: a large-mean coordinate column, as in the real data. */
function makeBatches(rows: number, count: number, dtype: DType): Batch[] {
  const rng = new Rng(7);
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  return Array.from({ length: count }, () => {
    const x = new Arr(rows * 8);
    const y = new Arr(rows);
    for (let r = 0; r < rows; r++) {
      let s = 3.25;
      for (let f = 0; f < 8; f++) {
        const v = f < 4 ? (f % 2 ? -77 : 38.9) + 0.05 * rng.normal() : 1 + Math.floor(rng.uniform(0, 12));
        x[r * 8 + f] = v;
        s += 0.3 * v * (f % 3);
      }
      y[r] = s * 0.01 + rng.normal();
    }
    return { x, y, rows, numFeatures: 8 };
  });
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Best rows/s over `repeat` windows: by wall clock and by this process's CPU time (less hurt by a busy machine). */
async function measure(hidden: number[], bn: 0 | 1, batch: number, dtype: DType, backend: 'wasm' | 'js', seconds: number, repeat: number): Promise<[number, number]> {
  const hp = parseHParams({ num_hidden_neurons: hidden, batch_norm_linear_layers: bn, batch_size: batch, lr: 0.001 });
  const model = createModel(hp, dtype, { backend });
  const batches = makeBatches(batch, 4, dtype);
  // Warm up until V8 has tiered the kernels up to optimised code.
  const w0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - w0 < 300; i++) await trainStep(model, batches[i % 4]);
  let bestWall = 0;
  let bestCpu = 0;
  for (let r = 0; r < repeat; r++) {
    let rows = 0;
    let steps = 0;
    const t0 = performance.now();
    const c0 = cpuMs();
    while (performance.now() - t0 < seconds * 1000) {
      await trainStep(model, batches[steps % 4]);
      rows += batch;
      steps++;
    }
    bestWall = Math.max(bestWall, rows / ((performance.now() - t0) / 1000));
    bestCpu = Math.max(bestCpu, rows / ((cpuMs() - c0) / 1000));
  }
  return [bestWall, bestCpu];
}

const backend = arg('--backend', 'wasm') as 'wasm' | 'js';
const seconds = Number(arg('--seconds', '0.5'));
const repeat = Number(arg('--repeat', '6'));
const only = arg('--only', '');
console.log(`backend=${backend} window=${seconds}s best of ${repeat}, node ${process.version}, relaxed-SIMD FMA ${backend === 'wasm' && wasmFmaEnabled() ? 'on' : 'off'}`);
console.log('| hidden layers | batch | dtype | dojo krows/s (wall) | ratio | dojo krows/CPU-s | ratio | PyTorch krows/s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const c of CONFIGS) {
  for (const dtype of ['float32', 'float64'] as const) {
    const label = `${JSON.stringify(c.hidden)}${c.bn ? ' + BN' : ' no BN'}`;
    if (only && !`${label} ${c.batch} ${dtype}`.includes(only)) continue;
    const [wall, cpu] = await measure(c.hidden, c.bn, c.batch, dtype, backend, seconds, repeat);
    const t = c.torch[dtype];
    console.log(`| ${label} | ${c.batch} | ${dtype} | ${(wall / 1000).toFixed(0)} | ${(wall / 1000 / t).toFixed(2)}× | ${(cpu / 1000).toFixed(0)} | ${(cpu / 1000 / t).toFixed(2)}× | ${t} |`);
  }
}
