import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_HEADER, openBatches, type DatasetOptions } from '../../../runtime/src/data';

/** The header line as files carry it. */
export const HEADER = CSV_HEADER.join(',');

/** A row whose label is `id` (so tests can tell rows apart) and whose features are derived from it. */
export function rowText(id: number): string {
  return `${id},38.${String(900000 + (id % 99999)).slice(1)},-77.0${id % 10},38.9,-77.01,${2015 + (id % 5)},${1 + (id % 12)},${1 + (id % 7)},${id % 24}`;
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'dojo-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files part-000.csv… with the given data-row counts; labels are global row ids. */
export function writeParts(dir: string, rowCounts: readonly number[]): string[] {
  let id = 0;
  return rowCounts.map((n, f) => {
    const lines = [HEADER];
    for (let i = 0; i < n; i++) lines.push(rowText(id++));
    const path = join(dir, `part-${String(f).padStart(3, '0')}.csv`);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  });
}

/** Default options for tests: one replica, one pass, float64, fail on bad rows. */
export function options(glob: string, over: Partial<DatasetOptions> = {}): DatasetOptions {
  return { glob, rank: 0, worldSize: 1, shardSize: 1000, batchSize: 1000, dtype: 'float64', onBadRow: 'fail', cycle: false, ...over };
}

/** Reads every batch (at most `maxBatches`) and returns the labels in order plus the batch sizes. */
export async function readLabels(opts: DatasetOptions, maxBatches = Infinity): Promise<{ labels: number[]; sizes: number[]; skipped: number; passes: number }> {
  const reader = await openBatches(opts);
  const labels: number[] = [];
  const sizes: number[] = [];
  try {
    for (let i = 0; i < maxBatches; i++) {
      const b = await reader.next();
      if (!b) break;
      sizes.push(b.rows);
      for (let r = 0; r < b.rows; r++) labels.push(b.y[r]!);
    }
    return { labels, sizes, skipped: reader.stats.rowsSkipped, passes: reader.stats.passes };
  } finally {
    await reader.close();
  }
}
