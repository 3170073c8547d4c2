import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSV_HEADER } from '../../../runtime/src/data';
import { Rng } from '../../../runtime/src/model';

/**
 * Writes `parts` CSV files of taxi-like rows (fare ≈ 3.25 + 2.2·miles + an hour effect + noise σ 0.5)
 * into dir and returns the glob. `bad` rows get a non-number fare.
 */
export function writeFareCsv(dir: string, name: string, rows: number, parts: number, seed: number, bad: number[] = []): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  let row = 0;
  for (let p = 0; p < parts; p++) {
    const lines = [CSV_HEADER.join(',')];
    const n = Math.floor(rows / parts) + (p < rows % parts ? 1 : 0);
    for (let k = 0; k < n; k++, row++) {
      const lat0 = rng.uniform(38.85, 38.95);
      const lon0 = rng.uniform(-77.1, -76.95);
      const lat1 = rng.uniform(38.85, 38.95);
      const lon1 = rng.uniform(-77.1, -76.95);
      const miles = Math.hypot((lat1 - lat0) * 69, (lon1 - lon0) * 54);
      const hour = Math.floor(rng.uniform(0, 24));
      const fare = 3.25 + 2.2 * miles + (hour >= 16 && hour < 19 ? 1.5 : 0) + 0.5 * rng.normal();
      const f = bad.includes(row) ? 'oops' : fare.toFixed(2);
      lines.push([f, lat0.toFixed(6), lon0.toFixed(6), lat1.toFixed(6), lon1.toFixed(6), 2015 + Math.floor(rng.uniform(0, 5)), 1 + Math.floor(rng.uniform(0, 12)), 1 + Math.floor(rng.uniform(0, 7)), hour].join(','));
    }
    writeFileSync(join(dir, `${name}-part${String(p).padStart(3, '0')}.csv`), lines.join('\n') + '\n');
  }
  return join(dir, `${name}-part*.csv`);
}
