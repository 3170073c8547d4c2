// A run on a process's cache (rows parsed once, prepared once per feature set) trains exactly what
// the same run streamed from storage trains: same losses, RMSEs and counts, to the last bit.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../../../runtime/src/data/cache';
import { PrepFitCache } from '../../../runtime/src/prep/fit-cache';
import { cachedData, parseHParams, train, type TrainResult } from '../../../runtime/src/train';
import { tempDir } from '../data/fixtures';
import { writeFareCsv } from './helpers';

const tmp = tempDir('dojo-cached-');
let globs: { train: string; val: string; test: string };
/** The same kind of data without a bad value: its rows are prepared ahead, once per feature set. */
let clean: { train: string; val: string };

/** Puts a non-number into one feature of every `every`-th data row (a bad label in a few more). */
function spoil(glob: string, every: number): void {
  const file = glob.replace('part*.csv', 'part000.csv');
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 1; i < lines.length - 1; i++) {
    if (i % every === 0) lines[i] = lines[i]!.replace(/,(-?\d+\.\d+),/, ',n/a,');
    if (i % (every * 7) === 3) lines[i] = `??${lines[i]}`;
  }
  writeFileSync(file, lines.join('\n'));
}

beforeAll(() => {
  globs = {
    train: writeFareCsv(join(tmp.dir, 'train'), 'train', 3000, 3, 11),
    val: writeFareCsv(join(tmp.dir, 'val'), 'val', 700, 1, 12),
    test: writeFareCsv(join(tmp.dir, 'test'), 'test', 500, 2, 13),
  };
  clean = {
    train: writeFareCsv(join(tmp.dir, 'clean-train'), 'train', 2000, 2, 21),
    val: writeFareCsv(join(tmp.dir, 'clean-val'), 'val', 600, 1, 22),
  };
  spoil(globs.train, 37);
  spoil(globs.val, 29);
});
afterAll(() => tmp.cleanup());

/** Everything of a result but its timings and throughput. */
function outcome(r: TrainResult): Record<string, unknown> {
  const { time: _t, rows_per_sec: _a, end_to_end_rows_per_sec: _b, parse_mb_per_sec: _c, seconds: _d, ...rest } = r;
  return rest;
}

const SETTINGS = [
  { missing: 'drop' },
  { missing: 'mean' },
  { missing: 'mean', bins: 16, scale: 'standard' },
  { missing: 'drop', bins: 8 },
] as const;

describe('training on cached data', () => {
  it('gives bit-identical results to streaming, for every feature-stage setting and dtype, trial after trial', async () => {
    const cache = new DatasetCache({ budgetBytes: 64e6, log: () => undefined, chunkRows: 256 });
    const fits = new PrepFitCache();
    for (const dtype of ['float64', 'float32'] as const) {
      // Twice over the settings: the second round reuses the kept rows, fits and prepared rows, and
      // trains longer than the first, which prepared only the rows it read.
      for (const round of [0, 1]) {
        for (const stages of SETTINGS) {
          const hparams = parseHParams({ num_hidden_neurons: [6, 5], batch_size: 97, max_batches: round === 0 ? 8 : 60, lr: 0.01, seed: 3 + round, ...stages });
          const common = { hparams, onBadRow: 'fail' as const, evalEvery: round === 0 ? 3 : 20, shardSize: 500 };
          const evals: number[][] = [[], []];
          const streamed = await train({ ...common, ...globs, dtype, onEval: async (_s, v) => (evals[0]!.push(v), 'continue') });
          cache.nextTrial();
          const cached = await train({ ...common, data: cachedData({ ...globs, dtype, shardSize: 500 }, cache, fits), onEval: async (_s, v) => (evals[1]!.push(v), 'continue') });
          expect(outcome(cached)).toEqual(outcome(streamed));
          expect(evals[1]).toEqual(evals[0]);
          expect(streamed.rows_skipped).toBeGreaterThan(0);
        }
      }
    }
    expect(fits.reused).toBeGreaterThan(0);
    expect(cache.bytes).toBeGreaterThan(0);
  });

  it('rows without a missing feature are prepared once per feature set and kept: training and evaluation batches from them are bit-identical to streaming', async () => {
    const cache = new DatasetCache({ budgetBytes: 64e6, log: () => undefined, chunkRows: 256 });
    const fits = new PrepFitCache();
    for (const dtype of ['float64', 'float32'] as const) {
      for (const round of [0, 1]) {
        // The drop and mean settings of one binning share a prepared copy (no row is missing a feature).
        for (const stages of [{ missing: 'mean', bins: 16, scale: 'standard' }, { missing: 'drop', bins: 16, scale: 'standard' }, { missing: 'drop', bins: 8 }, { scale: 'standard' }, { missing: 'mean' }] as const) {
          // 70 steps of 97 rows wrap around the 2,000 training rows (a batch spanning two passes is copied).
          const hparams = parseHParams({ num_hidden_neurons: [6, 5], batch_size: 97, max_batches: round === 0 ? 9 : 70, lr: 0.01, seed: 5 + round, ...stages });
          const common = { hparams, onBadRow: 'fail' as const, evalEvery: round === 0 ? 4 : 15, shardSize: 500 };
          const evals: number[][] = [[], []];
          const streamed = await train({ ...common, ...clean, dtype, onEval: async (_s, v) => (evals[0]!.push(v), 'continue') });
          cache.nextTrial();
          const cached = await train({ ...common, data: cachedData({ ...clean, dtype, shardSize: 500 }, cache, fits), onEval: async (_s, v) => (evals[1]!.push(v), 'continue') });
          expect(outcome(cached)).toEqual(outcome(streamed));
          expect(evals[1]).toEqual(evals[0]);
        }
      }
    }
    // The raw rows, read with two policies (`mark` for a missing stage, else `fail`): 2 × 2,600 rows
    // × 72 bytes; beyond them, at least the float64 scaled rows (2,600 × 9 numbers) were kept prepared.
    expect(cache.bytes).toBeGreaterThanOrEqual(2 * 2600 * 72 + 2600 * 9 * 8);
  });

  it('with a budget too small for the prepared rows, prepares batch by batch and still trains the same', async () => {
    const small = new DatasetCache({ budgetBytes: 420_000, log: () => undefined, chunkRows: 256 });
    const hparams = parseHParams({ num_hidden_neurons: [4], batch_size: 64, max_batches: 30, lr: 0.01, missing: 'mean', bins: 8 });
    const common = { hparams, onBadRow: 'fail' as const, shardSize: 500 };
    const streamed = await train({ ...common, ...globs, dtype: 'float64' });
    const cached = await train({ ...common, data: cachedData({ ...globs, dtype: 'float64', shardSize: 500 }, small, new PrepFitCache()) });
    expect(outcome(cached)).toEqual(outcome(streamed));
    expect(small.bytes).toBeLessThanOrEqual(420_000);
  });
});
