import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { CSV_HEADER, haversineMiles, openBatches, partRows, RANGES, synthesize } from '../../../runtime/src/data';
import { writeDecimal, writeUint } from '../../../runtime/src/data/synth/format';
import { options, tempDir } from './fixtures';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('dojo-synth-')));
afterEach(() => cleanup());

/** All rows of a directory's parts as [fare, 8 features]. */
async function readAll(glob: string): Promise<number[][]> {
  const reader = await openBatches(options(glob, { batchSize: 8192 }));
  const rows: number[][] = [];
  for (let b = await reader.next(); b; b = await reader.next()) {
    for (let r = 0; r < b.rows; r++) rows.push([b.y[r]!, ...b.x.subarray(r * 8, r * 8 + 8)]);
  }
  await reader.close();
  return rows;
}

describe('synthesize', () => {
  it('is deterministic: the same rows, parts and seed give the same bytes; another seed differs', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    await synthesize({ rows: 5000, parts: 3, out: a, seed: 42 });
    await synthesize({ rows: 5000, parts: 3, out: b, seed: 42 });
    await synthesize({ rows: 5000, parts: 3, out: c, seed: 43 });
    expect(readdirSync(a)).toEqual(['part-00000.csv', 'part-00001.csv', 'part-00002.csv']);
    for (const f of readdirSync(a)) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true);
      expect(readFileSync(join(a, f)).equals(readFileSync(join(c, f)))).toBe(false);
    }
  });

  it('writes the real header and spreads rows evenly over the parts', async () => {
    const progress: number[] = [];
    const res = await synthesize({ rows: 10, parts: 4, out: dir, seed: 1, onProgress: (p) => progress.push(p.rowsWritten) });
    expect(res.rows).toBe(10);
    expect([0, 1, 2, 3].map((i) => partRows(10, 4, i))).toEqual([3, 3, 2, 2]);
    const lines = readFileSync(join(dir, 'part-00003.csv'), 'utf8').split('\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines.length).toBe(4); // the header, 2 rows, and the empty string after the final LF
    expect(lines[3]).toBe('');
    expect(progress.at(-1)).toBe(10);
  });

  it('stays in the real ranges, with whole-number time columns', async () => {
    await synthesize({ rows: 50_000, parts: 2, out: dir, seed: 5 });
    const rows = await readAll(join(dir, 'part-*.csv'));
    expect(rows.length).toBe(50_000);
    const cols = [RANGES.fare, RANGES.lat, RANGES.lon, RANGES.lat, RANGES.lon, RANGES.year, RANGES.month, RANGES.dow, RANGES.hour];
    for (let k = 0; k < 9; k++) {
      const v = rows.map((r) => r[k]!);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(cols[k]![0]);
      expect(Math.max(...v)).toBeLessThanOrEqual(cols[k]![1]);
      if (k >= 5) {
        expect(v.every(Number.isInteger)).toBe(true);
        // Every value of the range occurs.
        expect(new Set(v).size).toBe(cols[k]![1] - cols[k]![0] + 1);
      }
    }
    expect(rows.filter((r) => r[0] === 3.25).length).toBeGreaterThan(0);
  });

  it('looks like DC taxi trips: downtown-weighted, fare ≈ $3.25 + ~$2.2/mile', async () => {
    await synthesize({ rows: 40_000, parts: 1, out: dir, seed: 9 });
    const rows = await readAll(join(dir, '*.csv'));
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    expect(Math.abs(median(rows.map((r) => r[1]!)) - 38.9)).toBeLessThan(0.015);
    expect(Math.abs(median(rows.map((r) => r[2]!)) + 77.025)).toBeLessThan(0.02);
    // Least-squares slope of fare on haversine miles, away from the clip at $99.
    const pts = rows.map((r) => [haversineMiles(r[1]!, r[2]!, r[3]!, r[4]!), r[0]!] as const).filter(([, f]) => f < 90);
    const mx = pts.reduce((s, [m]) => s + m, 0) / pts.length;
    const my = pts.reduce((s, [, f]) => s + f, 0) / pts.length;
    const slope = pts.reduce((s, [m, f]) => s + (m - mx) * (f - my), 0) / pts.reduce((s, [m]) => s + (m - mx) ** 2, 0);
    const intercept = my - slope * mx;
    expect(slope).toBeGreaterThan(1.9);
    expect(slope).toBeLessThan(2.6);
    expect(intercept).toBeGreaterThan(3);
    expect(intercept).toBeLessThan(6);
    expect(median(pts.map(([m]) => m))).toBeGreaterThan(1);
    expect(median(pts.map(([m]) => m))).toBeLessThan(4);
  });

  it('rejects bad sizes naming the flag', async () => {
    await expect(synthesize({ rows: -1, parts: 1, out: dir })).rejects.toThrow('--rows must be a whole number >= 0, got -1');
    await expect(synthesize({ rows: 1, parts: 0, out: dir })).rejects.toThrow('--parts must be a whole number >= 1, got 0');
  });
});

describe('writeDecimal', () => {
  it('writes exact decimals without trailing zeros, keeping one fraction digit', () => {
    const buf = Buffer.alloc(32);
    const w = (scaled: number, decimals: number): string => buf.toString('latin1', 0, writeDecimal(buf, 0, scaled, decimals, 10 ** decimals));
    expect(w(325, 2)).toBe('3.25');
    expect(w(2600, 2)).toBe('26.0');
    expect(w(9910, 2)).toBe('99.1');
    expect(w(-77050750, 6)).toBe('-77.05075');
    expect(w(38900000, 6)).toBe('38.9');
    expect(w(38000001, 6)).toBe('38.000001');
  });

  it('round-trips through Number() for any scaled integer (property)', () => {
    const buf = Buffer.alloc(32);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.constantFrom(2, 6), (scaled, decimals) => {
        const pow = 10 ** decimals;
        const text = buf.toString('latin1', 0, writeDecimal(buf, 0, scaled, decimals, pow));
        expect(Number(text)).toBe(scaled / pow + 0);
        expect(text).toMatch(/^-?\d+\.(0|\d*[1-9])$/);
        expect(buf.toString('latin1', 0, writeUint(buf, 0, Math.abs(scaled)))).toBe(String(Math.abs(scaled)));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('dojo data synth', () => {
  it('writes the parts and prints one JSON line with --json', async () => {
    const io = memoryIo();
    const out = join(dir, 'cli');
    const code = await main(['node', 'dojo', 'data', 'synth', '--rows', '1000', '--parts', '2', '--out', out, '--seed', '3', '--json'], io);
    expect(code).toBe(0);
    expect(io.stdout.length).toBe(1);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ out, files: 2, rows: 1000 });
    expect(readdirSync(out)).toEqual(['part-00000.csv', 'part-00001.csv']);
  });

  it('is a usage error (exit 2) for a bad --rows, naming the flag', async () => {
    const io = memoryIo();
    expect(await main(['node', 'dojo', 'data', 'synth', '--rows', 'many', '--out', dir], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--rows must be a whole number');
  });
});
