// Training throughput: rows/s through forward + backward + clip + AdamW step, data already in memory,
// one thread. Usage: npx tsx bench/train/train.ts [--backend wasm|js] [--seconds S] [--repeat N] [--only SUBSTR]
// DOJO_WASM_FMA=0 turns the relaxed-SIMD fused multiply-add off.
import { createModel, parseHParams } from '../../runtime/src/model';
import { trainStep } from '../../runtime/src/train/step';
import { wasmFmaEnabled } from '../../runtime/src/wasm/support';
import type { DType } from '../../runtime/src/data/types';
import { CONFIGS, arg, bestRate, makeBatches } from './common';

/** Best rows/s of one configuration: by wall clock and by CPU time. */
async function measure(hidden: number[], bn: 0 | 1, batch: number, dtype: DType, backend: 'wasm' | 'js', seconds: number, repeat: number): Promise<[number, number]> {
  const hp = parseHParams({ num_hidden_neurons: hidden, batch_norm_linear_layers: bn, batch_size: batch, lr: 0.001 });
  const model = createModel(hp, dtype, { backend });
  const batches = makeBatches(batch, 4, dtype);
  const { wall, cpu } = await bestRate((i) => trainStep(model, batches[i % 4]), batch, seconds, repeat);
  return [wall, cpu];
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
