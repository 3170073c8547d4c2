// Rows/s of `dojo train` with 1 vs 2 local replicas (`--replicas 2`) on this machine. Each
// replica trains on batches of B rows, so 2 replicas process 2·B rows per step.
//   npx tsx bench/collective/train-scaling.ts [repeats]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repeats = Number(process.argv[2] ?? '3');
const dojo = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('../../bin/dojo.ts', import.meta.url))];
const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-dist-'));

function run(args: string[]): string {
  const r = spawnSync(dojo[0]!, [...dojo.slice(1), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`dojo ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

interface Result {
  rows_per_sec: number;
  end_to_end_rows_per_sec: number;
  seconds: number;
  steps: number;
}

try {
  run(['data', 'synth', '--rows', '2000000', '--parts', '8', '--out', join(dir, 'train')]);
  run(['data', 'synth', '--rows', '10000', '--parts', '1', '--seed', '2', '--out', join(dir, 'val')]);
  const configs = [
    { name: '[7,11,13] no BN', hp: { num_hidden_neurons: [7, 11, 13], batch_norm_linear_layers: 0 } },
    { name: '[3,5,8] + BN', hp: { num_hidden_neurons: [3, 5, 8], batch_norm_linear_layers: 1 } },
    { name: '[23,19,13,11,7] + BN', hp: { num_hidden_neurons: [23, 19, 13, 11, 7], batch_norm_linear_layers: 1 } },
  ];
  console.log(`dojo train, float64, per-replica batch 16384, 50 steps, 2M synthetic rows in 8 parts; best of ${repeats}`);
  console.log('| model | replicas | rows/s (compute) | end-to-end rows/s | seconds | scaling (compute / end-to-end) |');
  console.log('|---|---|---|---|---|---|');
  for (const c of configs) {
    const best: Result[] = [];
    for (const replicas of [1, 2]) {
      let top: Result | undefined;
      for (let i = 0; i < repeats; i++) {
        const out = run([
          'train', '--replicas', String(replicas), '--shard-size', '16384',
          '--train', join(dir, 'train', 'part*.csv'), '--val', join(dir, 'val', 'part*.csv'),
          '--hparams', JSON.stringify({ ...c.hp, batch_size: 16384, max_batches: 50 }),
        ]);
        const r = JSON.parse(out.trim().split('\n').pop()!) as Result;
        if (!top || r.end_to_end_rows_per_sec > top.end_to_end_rows_per_sec) top = r;
      }
      best.push(top!);
      const s = replicas === 1 ? '1.00× / 1.00×' : `${(top!.rows_per_sec / best[0]!.rows_per_sec).toFixed(2)}× / ${(top!.end_to_end_rows_per_sec / best[0]!.end_to_end_rows_per_sec).toFixed(2)}×`;
      console.log(`| ${c.name} | ${replicas} | ${Math.round(top!.rows_per_sec).toLocaleString('en-US')} | ${Math.round(top!.end_to_end_rows_per_sec).toLocaleString('en-US')} | ${top!.seconds.toFixed(2)} | ${s} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
