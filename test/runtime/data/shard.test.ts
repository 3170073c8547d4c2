import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ownerOf, shardPlan, ShardCursor } from '../../../runtime/src/data';
import { options, readLabels, tempDir, writeParts } from './fixtures';

/** Global row ids named by a plan, in order. */
function planRows(counts: readonly number[], plan: ReturnType<typeof shardPlan>): number[] {
  const offsets = counts.map((_, f) => counts.slice(0, f).reduce((a, b) => a + b, 0));
  return plan.flatMap((r) => Array.from({ length: r.end - r.start }, (_, k) => offsets[r.file]! + r.start + k));
}

const sharding = fc.record({
  counts: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 8 }),
  shardSize: fc.integer({ min: 1, max: 17 }),
  worldSize: fc.integer({ min: 1, max: 6 }),
});

describe('shardPlan', () => {
  it('across all replicas, uses every row exactly once, in shard order (property)', () => {
    fc.assert(
      fc.property(sharding, ({ counts, shardSize, worldSize }) => {
        const total = counts.reduce((a, b) => a + b, 0);
        const seen = new Array<number>(total).fill(0);
        for (let rank = 0; rank < worldSize; rank++) {
          const rows = planRows(counts, shardPlan(counts, shardSize, rank, worldSize));
          expect(rows).toEqual([...rows].sort((a, b) => a - b));
          for (const g of rows) {
            seen[g]!++;
            expect(ownerOf(g, shardSize, worldSize)).toBe(rank);
          }
        }
        expect(seen.every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('gives replica i mod worldSize whole shards of shardSize rows, across file boundaries', () => {
    // Global rows 0-11 in files of 5, 3 and 4 rows; shards 0-3, 4-7, 8-11.
    expect(shardPlan([5, 3, 4], 4, 0, 2)).toEqual([
      { file: 0, start: 0, end: 4 },
      { file: 2, start: 0, end: 4 },
    ]);
    expect(shardPlan([5, 3, 4], 4, 1, 2)).toEqual([
      { file: 0, start: 4, end: 5 },
      { file: 1, start: 0, end: 3 },
    ]);
  });

  it('agrees with the streaming ShardCursor row by row (property)', () => {
    fc.assert(
      fc.property(sharding, fc.nat(5), ({ counts, shardSize, worldSize }, r) => {
        const rank = r % worldSize;
        const total = counts.reduce((a, b) => a + b, 0);
        const cursor = new ShardCursor(shardSize, rank, worldSize);
        const owned: number[] = [];
        for (let g = 0; g < total; g++, cursor.advance()) if (cursor.owned) owned.push(g);
        expect(owned).toEqual(planRows(counts, shardPlan(counts, shardSize, rank, worldSize)));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a bad rank, world size or shard size', () => {
    expect(() => shardPlan([1], 0, 0, 1)).toThrow('shard size must be a whole number >= 1, got 0');
    expect(() => shardPlan([1], 1, 3, 3)).toThrow('rank must be in [0, 2], got 3');
  });
});

describe('openBatches sharding over real files', () => {
  it('across R replicas and passes, every row is read exactly once per pass (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          counts: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 5 }),
          shardSize: fc.integer({ min: 1, max: 9 }),
          worldSize: fc.integer({ min: 1, max: 4 }),
          batchSize: fc.integer({ min: 1, max: 11 }),
        }),
        async ({ counts, shardSize, worldSize, batchSize }) => {
          const { dir, cleanup } = tempDir();
          try {
            writeParts(dir, counts);
            const total = counts.reduce((a, b) => a + b, 0);
            const all: number[] = [];
            for (let rank = 0; rank < worldSize; rank++) {
              const expected = planRows(counts, shardPlan(counts, shardSize, rank, worldSize));
              const glob = join(dir, 'part-*.csv');
              const once = await readLabels(options(glob, { rank, worldSize, shardSize, batchSize }));
              expect(once.labels).toEqual(expected);
              all.push(...once.labels);
              if (expected.length > 0) {
                // Three passes with cycle: the same rows each pass, in the same order (files with
                // none of ours are skipped after the first pass, which must not shift the sharding).
                const want = Math.ceil((3 * expected.length) / batchSize);
                const cyc = await readLabels(options(glob, { rank, worldSize, shardSize, batchSize, cycle: true }), want);
                expect(cyc.labels.slice(0, 3 * expected.length)).toEqual([...expected, ...expected, ...expected]);
              }
            }
            expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
          } finally {
            cleanup();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
