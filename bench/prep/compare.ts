// Fixed-budget comparison of the feature stages (issue 10): bins 0/64/128 × scale none/standard ×
// BatchNorm off/on, same network, optimizer, steps and seed for all. Prints validation RMSE and
// training rows/s per combination, and the predict-the-mean baseline, for generated DC-taxi data
// and for the real sample rows read from /work/shared/data/dc-taxi-sample at run time.
//   npx tsx bench/prep/compare.ts [--rows 200000] [--steps 400] [--repeat 3]
// Each combination trains --repeat times: the RMSE must repeat exactly (same seed), rows/s is the best.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../../runtime/src/data';
import { parseHParams } from '../../runtime/src/model';
import { train } from '../../runtime/src/train';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const SAMPLE = '/work/shared/data/dc-taxi-sample';

interface DataSet {
  readonly name: string;
  readonly train: string;
  readonly val: string;
  readonly batch: number;
  readonly steps: number;
}

/** Labels of CSV files (first column), for the predict-the-training-mean baseline. */
function labels(glob: string): number[] {
  const dir = glob.slice(0, glob.lastIndexOf('/'));
  const base = glob.slice(glob.lastIndexOf('/') + 1);
  const re = new RegExp(`^${base.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0])));
}

function baseline(ds: DataSet): number {
  const tr = labels(ds.train);
  const mean = tr.reduce((a, b) => a + b, 0) / tr.length;
  const va = labels(ds.val);
  return Math.sqrt(va.reduce((s, y) => s + (y - mean) ** 2, 0) / va.length);
}

async function main(): Promise<void> {
  const rows = arg('--rows', 200_000);
  const steps = arg('--steps', 400);
  const repeat = arg('--repeat', 3);
  const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-prep-'));
  try {
    await synthesize({ rows, parts: 4, out: join(dir, 'train'), seed: 1 });
    await synthesize({ rows: Math.max(1000, rows / 10), parts: 1, out: join(dir, 'val'), seed: 2 });
    const sets: DataSet[] = [{ name: `generated (${rows} rows)`, train: join(dir, 'train', 'part-*.csv'), val: join(dir, 'val', 'part-*.csv'), batch: 1024, steps }];
    if (existsSync(join(SAMPLE, 'train.csv'))) {
      sets.push({ name: 'real sample (100 train / 100 valid rows)', train: join(SAMPLE, 'train.csv'), val: join(SAMPLE, 'valid.csv'), batch: 50, steps });
    } else {
      console.log(`(no real sample at ${SAMPLE}: skipped)`);
    }
    for (const ds of sets) {
      console.log(`\n${ds.name}: batch ${ds.batch}, ${ds.steps} steps, [16, 8], Adam lr 0.003, float32; predict-the-mean val RMSE ${baseline(ds).toFixed(4)}`);
      console.log('bins  scale     BN  val_rmse  train rows/s');
      for (const bins of [0, 64, 128]) {
        for (const scale of ['none', 'standard'] as const) {
          for (const bn of [0, 1] as const) {
            const hp = parseHParams({ num_hidden_neurons: [16, 8], batch_size: ds.batch, max_batches: ds.steps, optimizer: 'Adam', lr: 0.003, batch_norm_linear_layers: bn, bins, scale });
            let rmse = NaN;
            let best = 0;
            for (let k = 0; k < repeat; k++) {
              const r = await train({ hparams: hp, train: ds.train, val: ds.val, dtype: 'float32', onBadRow: 'fail', shardSize: 10_000 });
              if (k > 0 && r.val_rmse !== rmse) throw new Error(`bins ${bins} scale ${scale} BN ${bn}: val RMSE ${r.val_rmse} differs from the first run's ${rmse}`);
              rmse = r.val_rmse;
              best = Math.max(best, r.rows_per_sec);
            }
            console.log(`${String(bins).padEnd(5)} ${scale.padEnd(9)} ${bn}   ${rmse.toFixed(4).padStart(8)}  ${Math.round(best).toString().padStart(12)}`);
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
