import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openBatches } from '../../../runtime/src/data';
import { soloCollective } from '../../../runtime/src/collective/collective';
import { binIndex, DC_LAT, DC_LON, fitFromStats, fitPrep, parseFittedPrep, PreparedReader, Preparer, preparedWidth } from '../../../runtime/src/prep';
import { parseHParams } from '../../../runtime/src/model';
import { rng, tempData, tripRow } from './gen';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('binning', () => {
  it('cuts [lo, hi] into N equal-width bins and clamps outside values to the edge bins', () => {
    for (const n of [2, 64, 128]) {
      const [lo, hi] = DC_LAT;
      const w = (hi - lo) / n;
      for (let k = 0; k < n; k++) expect(binIndex(lo + (k + 0.5) * w, lo, hi, n)).toBe(k);
      expect(binIndex(lo, lo, hi, n)).toBe(0);
      expect(binIndex(hi, lo, hi, n)).toBe(n - 1);
      expect(binIndex(lo - 1, lo, hi, n)).toBe(0);
      expect(binIndex(hi + 1, lo, hi, n)).toBe(n - 1);
      expect(binIndex(lo + 1e-9, lo, hi, n)).toBe(0);
      expect(binIndex(lo + w + 1e-9, lo, hi, n)).toBe(1);
      expect(binIndex(lo + w - 1e-9, lo, hi, n)).toBe(0);
    }
  });

  it('one-hot layout: year..hour pass through, then exactly one 1 in each of the 4 blocks, at the value\'s bin', () => {
    const coord = (range: readonly [number, number]) => fc.double({ min: range[0] - 0.05, max: range[1] + 0.05, noNaN: true });
    const row = fc.tuple(coord(DC_LAT), coord(DC_LON), coord(DC_LAT), coord(DC_LON), fc.integer({ min: 2009, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 23 }));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), fc.array(row, { minLength: 1, maxLength: 40 }), fc.constantFrom(2, 64, 128), (a, b, n) => {
        const fitted = fitFromStats({ bins: n }, [], [], []);
        const p = new Preparer(fitted, 'float64', 8);
        // Two batches through the same buffers: the second must not keep ones from the first.
        for (const rows of [a, b]) {
          const out = p.apply({ x: Float64Array.from(rows.flat()), y: new Float64Array(rows.length), rows: rows.length, numFeatures: 8 });
          const width = preparedWidth(n);
          expect(out.numFeatures).toBe(4 + 4 * n);
          // Kept sparse: 4 numbers and 4 one-hot column indices per row; written out dense here to check.
          expect(out.sparse).toMatchObject({ dense: 4, perRow: 4 });
          expect(out.x).toHaveLength(4 * rows.length);
          expect(out.sparse!.index).toHaveLength(4 * rows.length);
          rows.forEach((raw, r) => {
            const x = new Float64Array(width);
            x.set(out.x.subarray(r * 4, (r + 1) * 4));
            for (const i of out.sparse!.index.subarray(r * 4, (r + 1) * 4)) x[i] += 1;
            expect([...x.subarray(0, 4)]).toEqual(raw.slice(4));
            for (let c = 0; c < 4; c++) {
              const block = [...x.subarray(4 + c * n, 4 + (c + 1) * n)];
              expect(block.filter((v) => v === 1)).toHaveLength(1);
              expect(block.filter((v) => v !== 0 && v !== 1)).toHaveLength(0);
              const range = c % 2 === 0 ? DC_LAT : DC_LON;
              expect(block.indexOf(1)).toBe(binIndex(raw[c]!, range[0], range[1], n));
            }
            expect(Array.from(x).reduce((s, v, i) => (i >= 4 ? s + v : s), 0)).toBe(4);
          });
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** Rows with bad features in known places: every 5th row has 1-2 bad features, every 13th a bad label. */
function dirtyRows(n: number): { rows: (number | string)[][]; good: number[][] } {
  const r = rng(7);
  const rows: (number | string)[][] = [];
  const good: number[][] = [];
  const badText = ['', 'NaN', 'inf', 'abc', '-Infinity'];
  for (let i = 0; i < n; i++) {
    const row: (number | string)[] = tripRow(r);
    if (i % 13 === 0) row[0] = badText[i % badText.length]!;
    else if (i % 5 === 0) {
      row[1 + (i % 8)] = badText[i % badText.length]!;
      if (i % 10 === 0) row[1 + ((i + 3) % 8)] = 'x';
    }
    rows.push(row);
    if (i % 13 !== 0) good.push(row.map((v) => (typeof v === 'number' ? v : NaN)));
  }
  return { rows, good };
}

describe('missing values', () => {
  it('mark policy: bad labels are skipped, bad features become NaN; imputation uses the training means (values and counts)', async () => {
    const t = tempData();
    cleanups.push(t.cleanup);
    const { rows, good } = dirtyRows(400);
    const glob = t.write('part-0.csv', rows);
    const data = { glob, shardSize: 50, batchSize: 64, dtype: 'float64' as const, onBadRow: 'mark' as const };
    const fitted = await fitPrep({ missing: 'mean' }, data, soloCollective);
    // Expected means: over the finite values of each feature, rows with a good label only.
    for (let k = 0; k < 8; k++) {
      const vals = good.map((g) => g[k + 1]!).filter(Number.isFinite);
      expect(fitted.means[k]).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / vals.length, 9);
    }
    const reader = await openBatches({ ...data, rank: 0, worldSize: 1, cycle: false });
    const prep = new PreparedReader(reader, new Preparer(fitted, 'float64', 64));
    const seen: number[][] = [];
    for (let b = await prep.next(); b; b = await prep.next()) for (let i = 0; i < b.rows; i++) seen.push([b.y[i]!, ...b.x.subarray(i * 8, i * 8 + 8)]);
    await prep.close();
    const badLabels = rows.filter((_, i) => i % 13 === 0).length;
    const badFeatureRows = good.filter((g) => g.some((v) => !Number.isFinite(v))).length;
    const badValues = good.reduce((s, g) => s + g.filter((v) => !Number.isFinite(v)).length, 0);
    expect(reader.stats.rowsSkipped).toBe(badLabels);
    expect(reader.stats.rowsMarked).toBe(badFeatureRows);
    expect(prep.preparer.valuesImputed).toBe(badValues);
    expect(seen).toHaveLength(good.length);
    seen.forEach((row, i) => row.forEach((v, k) => expect(v).toBe(Number.isFinite(good[i]![k]!) ? good[i]![k]! : fitted.means[k - 1]!)));
  });

  it('drop: rows with a bad feature are dropped and counted, the rest pass unchanged', async () => {
    const t = tempData();
    cleanups.push(t.cleanup);
    const { rows, good } = dirtyRows(300);
    const glob = t.write('part-0.csv', rows);
    const fitted = fitFromStats({ missing: 'drop' }, [], [], []);
    const reader = await openBatches({ glob, shardSize: 50, batchSize: 32, dtype: 'float32', onBadRow: 'mark', rank: 0, worldSize: 1, cycle: false });
    const prep = new PreparedReader(reader, new Preparer(fitted, 'float32', 32));
    const labels: number[] = [];
    for (let b = await prep.next(); b; b = await prep.next()) labels.push(...b.y);
    const complete = good.filter((g) => g.every(Number.isFinite));
    expect(prep.preparer.rowsDropped).toBe(good.length - complete.length);
    expect(labels).toEqual(complete.map((g) => Math.fround(g[0]!)));
  });

  it('the default reader policies are unchanged: fail still names the file and line', async () => {
    const t = tempData();
    cleanups.push(t.cleanup);
    const glob = t.write('part-0.csv', [[1, 38.9, -77, 38.9, -77, 2016, 1, 1, 1], [2, '', -77, 38.9, -77, 2016, 1, 1, 1]]);
    const reader = await openBatches({ glob, shardSize: 50, batchSize: 32, dtype: 'float64', onBadRow: 'fail', rank: 0, worldSize: 1, cycle: false });
    await expect(reader.next()).rejects.toThrow(/part-0\.csv:3: column origin_block_latitude_double/);
    await reader.close();
  });
});

describe('hyperparameters and the serialised prep', () => {
  it('parseHParams accepts the stages, leaves them absent by default and refuses bad values', () => {
    const d = parseHParams({});
    expect([d.missing, d.bins, d.scale]).toEqual([undefined, undefined, undefined]);
    expect(parseHParams({ missing: 'mean', bins: '64', scale: 'standard' })).toMatchObject({ missing: 'mean', bins: 64, scale: 'standard' });
    expect(() => parseHParams({ bins: 1 })).toThrow(/hparams\.bins: must be 0 or 2\.\.4096/);
    expect(() => parseHParams({ missing: 'zero' })).toThrow(/hparams\.missing: must be "drop" or "mean"/);
  });

  it('a fitted prep survives JSON and is checked when read back', () => {
    const f = fitFromStats({ missing: 'mean', bins: 64, scale: 'standard' }, [1, 2, 3, 4, 5, 6, 7, 8], [1, 4, 9, 16, 26, 37, 50, 65], [1, 1, 1, 1, 1, 1, 1, 1]);
    const back = parseFittedPrep(JSON.parse(JSON.stringify(f)) as Record<string, unknown>, 'm.dojo');
    expect(back).toEqual(f);
    expect(back.center).toEqual([5, 6, 7, 8]);
    expect(back.spread).toEqual([1, 1, 1, 1]);
    expect(() => parseFittedPrep({ ...f, spread: [1, 0, 1, 1] }, 'm.dojo')).toThrow(/m\.dojo: preprocessing\.spread/);
  });
});

describe('limits', () => {
  it('binned batches stay sparse: 8 values per row whatever the bins, so a large batch needs no dense one-hot buffer', () => {
    const rows = 20_000;
    const p = new Preparer(fitFromStats({ bins: 4096 }, [], [], []), 'float32', rows);
    const raw = new Float32Array(rows * 8).map((_, k) => [38.9, -77.0, 38.91, -77.01, 2015, 6, 3, 12][k % 8]!);
    const out = p.apply({ x: raw, y: new Float32Array(rows), rows, numFeatures: 8 });
    expect(out.numFeatures).toBe(4 + 4 * 4096);
    expect(out.x.length + out.sparse!.index.length).toBe(8 * rows);
  });
});
