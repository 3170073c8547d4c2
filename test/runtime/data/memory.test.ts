// The in-memory reader against the streaming reader: same batches (rows, values, float32 rounding)
// and the same counts after every batch, for any sharding, batch size, policy and pass structure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openBatches, type DatasetOptions } from '../../../runtime/src/data';
import { loadRows, MemoryBatchReader, BYTES_PER_ROW } from '../../../runtime/src/data/memory';
import { HEADER, rowText, tempDir } from './fixtures';

const tmp = tempDir('dojo-memory-');
afterAll(() => tmp.cleanup());

/** A line of each kind a file may hold: good, bad label, bad feature, wrong width, blank. */
const lineKind = fc.constantFrom('good', 'good', 'good', 'good', 'good', 'badLabel', 'badFeature', 'short', 'blank');

function lineText(kind: string, id: number): string {
  const good = rowText(id);
  if (kind === 'badLabel') return `oops${good.slice(good.indexOf(','))}`;
  if (kind === 'badFeature') return good.replace(/,(-77\.\d+),/, ',x$1,');
  if (kind === 'short') return good.split(',').slice(0, 5).join(',');
  if (kind === 'blank') return '';
  return good;
}

let fileSet = 0;
function writeFiles(files: readonly (readonly string[])[]): string {
  const dir = join(tmp.dir, `set-${fileSet++}`);
  mkdirSync(dir);
  let id = 0;
  files.forEach((kinds, f) => {
    writeFileSync(join(dir, `part-${String(f).padStart(3, '0')}.csv`), [HEADER, ...kinds.map((k) => lineText(k, id++))].join('\n') + '\n');
  });
  return join(dir, 'part-*.csv');
}

const scenario = fc.record({
  files: fc.array(fc.array(lineKind, { minLength: 0, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
  shardSize: fc.integer({ min: 1, max: 9 }),
  worldSize: fc.integer({ min: 1, max: 3 }),
  rank: fc.nat(2),
  batchSize: fc.integer({ min: 1, max: 25 }),
  chunkRows: fc.integer({ min: 1, max: 12 }),
  dtype: fc.constantFrom('float64' as const, 'float32' as const),
  onBadRow: fc.constantFrom('skip' as const, 'mark' as const),
  cycle: fc.boolean(),
  batches: fc.integer({ min: 1, max: 12 }),
});

describe('in-memory rows', () => {
  it('yield the streaming reader\'s batches and counts, batch by batch (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const glob = writeFiles(s.files);
        const rank = s.rank % s.worldSize;
        const base = { glob, rank, worldSize: s.worldSize, shardSize: s.shardSize, onBadRow: s.onBadRow };
        const data = await loadRows(base, () => true, undefined, s.chunkRows);
        if (!data || data.rows === 0) return; // an empty shard is never kept (it is streamed)
        const opts: DatasetOptions = { ...base, batchSize: s.batchSize, dtype: s.dtype, cycle: s.cycle };
        const stream = await openBatches(opts);
        const memory = new MemoryBatchReader(data, opts);
        try {
          for (let i = 0; i < s.batches; i++) {
            const a = await stream.next();
            const b = await memory.next();
            expect(b === undefined).toBe(a === undefined);
            if (a && b) {
              expect(b.rows).toBe(a.rows);
              expect(b.x.constructor).toBe(a.x.constructor);
              expect(Array.from(b.x.subarray(0, b.rows * 8))).toEqual(Array.from(a.x.subarray(0, a.rows * 8)));
              expect(Array.from(b.y.subarray(0, b.rows))).toEqual(Array.from(a.y.subarray(0, a.rows)));
            }
            const { rowsRead, rowsSkipped, rowsMarked } = stream.stats;
            expect({ rowsRead: memory.stats.rowsRead, rowsSkipped: memory.stats.rowsSkipped, rowsMarked: memory.stats.rowsMarked }).toEqual({ rowsRead, rowsSkipped, rowsMarked });
          }
        } finally {
          await stream.close();
          await memory.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rewind starts a fresh pass with zeroed counts, without allocating batch buffers again', async () => {
    const glob = writeFiles([['good', 'badLabel', 'good', 'good', 'good']]);
    const data = (await loadRows({ glob, rank: 0, worldSize: 1, shardSize: 100, onBadRow: 'skip' }, () => true))!;
    const reader = new MemoryBatchReader(data, { batchSize: 3, dtype: 'float32', cycle: false });
    const pass = async (): Promise<{ ys: number[]; skipped: number; buffers: unknown[] }> => {
      const ys: number[] = [];
      const buffers: unknown[] = [];
      for (let b = await reader.next(); b; b = await reader.next()) {
        ys.push(...b.y);
        buffers.push(b.y.buffer);
      }
      return { ys, skipped: reader.stats.rowsSkipped, buffers };
    };
    const first = await pass();
    reader.rewind();
    const second = await pass();
    expect(first.ys).toEqual([0, 2, 3, 4]);
    expect(second.ys).toEqual(first.ys);
    expect(second.skipped).toBe(1);
    expect(second.buffers[0]).toBe(first.buffers[0]);
  });

  it('stop loading, keeping nothing, as soon as the budget refuses a chunk', async () => {
    const glob = writeFiles([Array.from({ length: 30 }, () => 'good')]);
    let granted = 0;
    const reserve = (bytes: number): boolean => {
      if (granted + bytes > 20 * BYTES_PER_ROW) return false;
      granted += bytes;
      return true;
    };
    expect(await loadRows({ glob, rank: 0, worldSize: 1, shardSize: 100, onBadRow: 'fail' }, reserve, undefined, 8)).toBeUndefined();
    expect(granted).toBe(16 * BYTES_PER_ROW);
  });
});
