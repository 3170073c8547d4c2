import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_HEADER } from '../../../runtime/src/data/schema';

/** A small seeded PRNG (mulberry32) so generated data is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One DC-taxi-like row: the fare grows with the trip's extent and with the hour; a little noise. */
export function tripRow(r: () => number): number[] {
  const olat = 38.8 + 0.2 * r();
  const olon = -77.12 + 0.22 * r();
  const dlat = 38.8 + 0.2 * r();
  const dlon = -77.12 + 0.22 * r();
  const hour = Math.floor(24 * r());
  const fare = 3 + 60 * Math.abs(dlat - olat) + 60 * Math.abs(dlon - olon) + 0.1 * hour + 0.5 * r();
  return [Number(fare.toFixed(2)), Number(olat.toFixed(6)), Number(olon.toFixed(6)), Number(dlat.toFixed(6)), Number(dlon.toFixed(6)), 2015 + Math.floor(5 * r()), 1 + Math.floor(12 * r()), Math.floor(7 * r()), hour];
}

/** A temp dir with CSV files; `cleanup` removes it. */
export function tempData(): { dir: string; write: (name: string, rows: readonly (readonly (number | string)[])[]) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-prep-'));
  return {
    dir,
    write: (name, rows) => {
      const path = join(dir, name);
      writeFileSync(path, `${CSV_HEADER.join(',')}\n${rows.map((row) => row.join(',')).join('\n')}\n`);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
