import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBatches, ShardCursor } from '../../../runtime/src/data';
import { CsvObjectReader, type BatchBuffers } from '../../../runtime/src/data/csv-object';
import type { ChunkStream } from '../../../runtime/src/data/source';
import { HEADER, options, readLabels, rowText, tempDir, writeParts } from './fixtures';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function readError(path: string, over = {}): Promise<string> {
  try {
    await readLabels(options(path, over));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the read to fail');
}

describe('openBatches: CSV forms', () => {
  it('reads LF and CRLF files, a UTF-8 BOM, blanks around fields, blank lines and a missing final newline', async () => {
    const padded = (id: number): string => ` ${rowText(id).replace(/,/g, ' ,\t')} `;
    write('a.csv', HEADER + '\n' + [rowText(0), padded(1), rowText(2)].join('\n'));
    write('b.csv', '\uFEFF' + HEADER + '\r\n' + [rowText(3), padded(4), rowText(5)].join('\r\n') + '\r\n\r\n');
    write('c.csv', ` ${HEADER.replace(/,/g, ' ,\t')} \n\n${rowText(6)}\n   \n`);
    const { labels } = await readLabels(options(join(dir, '*.csv')));
    expect(labels).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('delivers features in CSV order and float32 values as Math.fround(Number(text))', async () => {
    const p = write('a.csv', `${HEADER}\n25.94,38.905261,-77.050758,38.839716,-76.99845,2018,2,1,16\n`);
    for (const dtype of ['float64', 'float32'] as const) {
      const reader = await openBatches(options(p, { dtype }));
      const b = (await reader.next())!;
      const cast = dtype === 'float32' ? Math.fround : (v: number): number => v;
      expect(b.x).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
      expect(b.y[0]).toBe(cast(25.94));
      expect(Array.from(b.x)).toEqual([38.905261, -77.050758, 38.839716, -76.99845, 2018, 2, 1, 16].map(cast));
      expect(b.numFeatures).toBe(8);
      await reader.close();
    }
  });

  it('reads rows that span the 1 MiB read chunks of large files', async () => {
    const n = 40_000; // about 2.4 MB: several chunk boundaries fall inside rows
    writeParts(dir, [n]);
    const { labels } = await readLabels(options(join(dir, 'part-*.csv'), { batchSize: 4096 }));
    expect(labels.length).toBe(n);
    expect(labels.every((v, i) => v === i)).toBe(true);
  });

  it('gives the same rows however the bytes are chunked (property)', async () => {
    const text = Buffer.from('\uFEFF' + HEADER + '\r\n' + [0, 1, 2, 3, 4].map(rowText).join('\r\n') + '\n\n' + rowText(5));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 12 }), async (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i) => text.subarray(p, points[i] ?? text.length)).filter((c) => c.length > 0);
        const stream: ChunkStream = {
          next: async () => {
            const c = chunks.shift();
            // Mimic a source that reuses its buffer: hand out a copy and scribble over the previous one.
            return c ? Buffer.from(c) : undefined;
          },
          close: async () => undefined,
        };
        const reader = new CsvObjectReader('mem.csv', stream, 'fail', () => undefined);
        const b: BatchBuffers = { x: new Float64Array(80), y: new Float64Array(10), capacity: 10, rows: 0, skipped: 0 };
        const cursor = new ShardCursor(100, 0, 1);
        do reader.readInto(b, cursor);
        while (await reader.fill());
        reader.readInto(b, cursor);
        expect(Array.from(b.y.subarray(0, b.rows))).toEqual([0, 1, 2, 3, 4, 5]);
        expect(reader.rows).toBe(6);
      }),
      { numRuns: 200 },
    );
  });
});

describe('openBatches: header and bad data', () => {
  it('requires the exact header and names the file and the first differing column', async () => {
    const p = write('h.csv', HEADER.replace('month_integer', 'month') + '\n' + rowText(0) + '\n');
    expect(await readError(p)).toBe(`${p}:1: header column 7 is "month", expected "month_integer" (expected header: ${HEADER})`);
    const q = write('q.csv', rowText(0) + '\n');
    expect(await readError(q)).toMatch(new RegExp(`^${q}:1: header column 1 is "0", expected "fareamount_double"`));
    const short = write('s.csv', HEADER.split(',').slice(0, 8).join(',') + '\n');
    expect(await readError(short)).toMatch(new RegExp(`^${short}:1: header has 8 columns, expected 9: column 9 "hour_integer" is missing`));
    const long = write('l.csv', HEADER + ',tip\n');
    expect(await readError(long)).toMatch(new RegExp(`^${long}:1: header has 10 columns, expected 9: column 10 "tip" is extra`));
    const empty = write('e.csv', '');
    expect(await readError(empty)).toBe(`${empty}: empty object: expected the header row ${HEADER}`);
  });

  it('stops at the first bad row with file:line, the column name and the text', async () => {
    const cases: [string, string][] = [
      ['1,2,3,4,5,6,7,8,abc', 'column hour_integer: "abc" is not a number'],
      ['1,2,3,4,5,6,7,,9', 'column dow_integer: "" is not a number'],
      ['NaN,2,3,4,5,6,7,8,9', 'column fareamount_double: "NaN" is not a number'],
      ['1,Infinity,3,4,5,6,7,8,9', 'column origin_block_latitude_double: "Infinity" is not a number'],
      ['1,2,3,4,5,6,7,8', 'expected 9 columns, found 8'],
      ['1,2,3,4,5,6,7,8,9,10', 'expected 9 columns, found 10'],
    ];
    for (const [i, [row, problem]] of cases.entries()) {
      const p = write(`bad${i}.csv`, `${HEADER}\r\n${rowText(0)}\r\n\r\n${row}\r\n${rowText(1)}\r\n`);
      expect(await readError(p)).toBe(`${p}:4: ${problem} (fix the row, or skip bad rows with --on-bad-row skip)`);
    }
  });

  it('counts lines exactly after long runs of good rows, blank lines and other replicas\' rows', async () => {
    const good = Array.from({ length: 1000 }, (_, i) => rowText(i));
    const p = write('long.csv', [HEADER, ...good.slice(0, 500), '', ...good.slice(500), '1,2,3,4,5,6,7,8,oops', rowText(1000)].join('\n') + '\n');
    const message = `${p}:1003: column hour_integer: "oops" is not a number (fix the row, or skip bad rows with --on-bad-row skip)`;
    expect(await readError(p, { batchSize: 64 })).toBe(message);
    // Row 1000 (0-based) is in shard 333 of 3 rows: replica 333 mod 2 = 1 reads it.
    expect(await readError(p, { batchSize: 64, shardSize: 3, worldSize: 2, rank: 1 })).toBe(message);
    const other = await readLabels(options(p, { batchSize: 64, shardSize: 3, worldSize: 2, rank: 0 }));
    expect(other.labels.length).toBe(501); // rows 0-1001 split 3 by 3: 167 shards of replica 0
  });

  it('with skip, drops bad rows, counts them and keeps the good ones', async () => {
    write('a.csv', `${HEADER}\n${rowText(0)}\n1,2,3\n${rowText(1)}\nx,2,3,4,5,6,7,8,9\n`);
    write('b.csv', `${HEADER}\n1,2,3,4,5,6,7,8,NaN\n${rowText(2)}\n`);
    const { labels, skipped } = await readLabels(options(join(dir, '*.csv'), { onBadRow: 'skip' }));
    expect(labels).toEqual([0, 1, 2]);
    expect(skipped).toBe(3);
  });

  it('says which glob matched nothing', async () => {
    expect(await readError(join(dir, 'nothing-*.csv'))).toBe(`no objects match ${join(dir, 'nothing-*.csv')}`);
  });
});

describe('openBatches: batches and passes', () => {
  it('without cycle: full batches, then a short last batch, then undefined', async () => {
    writeParts(dir, [8, 0, 12]);
    const reader = await openBatches(options(join(dir, '*.csv'), { batchSize: 7 }));
    const sizes: number[] = [];
    for (let b = await reader.next(); b; b = await reader.next()) {
      sizes.push(b.rows);
      expect(b.x.length).toBe(b.rows * 8);
      expect(b.y.length).toBe(b.rows);
    }
    expect(sizes).toEqual([7, 7, 6]);
    expect(await reader.next()).toBeUndefined();
    expect(reader.stats).toMatchObject({ rowsRead: 20, rowsSkipped: 0, passes: 1 });
    expect(reader.stats.bytesRead).toBeGreaterThan(0);
    await reader.close();
  });

  it('with cycle: every batch is full and wraps into the next pass in the same order', async () => {
    writeParts(dir, [3, 2]);
    const { labels, sizes, passes } = await readLabels(options(join(dir, '*.csv'), { batchSize: 4, cycle: true }), 4);
    expect(sizes).toEqual([4, 4, 4, 4]);
    expect(labels).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0]);
    expect(passes).toBe(3);
  });

  it('after the first pass, does not read objects that hold none of its rows', async () => {
    // Shards of 10 rows = one file each: replica 0 of 2 owns files 0 and 2.
    const sizes = writeParts(dir, [10, 10, 10, 10]).map((p) => statSync(p).size);
    const [s0, s1, s2, s3] = sizes as [number, number, number, number];
    const reader = await openBatches(options(join(dir, '*.csv'), { batchSize: 20, shardSize: 10, worldSize: 2, rank: 0, cycle: true }));
    const ours = [...Array(10).keys(), ...Array.from({ length: 10 }, (_, k) => k + 20)];
    const bytes: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(Array.from((await reader.next())!.y)).toEqual(ours);
      bytes.push(reader.stats.bytesRead);
    }
    await reader.close();
    // Pass 1 scans every file (to count rows); passes 2 and 3 read files 0 and 2 only.
    expect(bytes).toEqual([s0 + s1 + s2, s0 + s1 + s2 + s3 + s0 + s2, s0 + s1 + s2 + s3 + 2 * (s0 + s2)]);
  });

  it('with cycle and a replica that owns no rows: a clear error instead of spinning', async () => {
    writeParts(dir, [3]);
    const opts = options(join(dir, '*.csv'), { cycle: true, rank: 1, worldSize: 2, shardSize: 10 });
    await expect(readLabels(opts, 2)).rejects.toThrow(/^replica 1 of 2 gets no rows to train on: .* has 3 rows, 1 shards of 10 rows; use a smaller shard size or fewer replicas$/);
  });

  it('with cycle and skip, a pass whose rows were all bad is an error, not an endless loop', async () => {
    const p = write('bad.csv', `${HEADER}\n1,2,3\nx,1,2,3,4,5,6,7,8\n`);
    await expect(readLabels(options(p, { cycle: true, onBadRow: 'skip' }), 2)).rejects.toThrow(
      'replica 0 of 1 gets no rows to train on: all 2 of its rows were skipped as bad',
    );
  });

  it('rejects bad options naming them', async () => {
    writeParts(dir, [1]);
    await expect(openBatches(options(join(dir, '*.csv'), { batchSize: 0 }))).rejects.toThrow('batch size must be a whole number >= 1, got 0');
    await expect(openBatches(options(join(dir, '*.csv'), { rank: 2, worldSize: 2 }))).rejects.toThrow('rank must be below the world size 2, got 2');
  });
});
