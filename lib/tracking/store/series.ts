import type Database from 'better-sqlite3';
import { downsample, type Series } from './downsample';

/** Significant digits a thinned series keeps: a chart is a few hundred pixels tall and its tooltip shows 5 digits. */
export const SERIES_DIGITS = 7;

/**
 * `v` rounded to SERIES_DIGITS significant digits: its JSON is 8-9 characters instead of up to 18
 * (a study page's series answers are about half the bytes to send and to parse). The quotient of an
 * integer by an exact power of ten is the double nearest that decimal, so it prints as one.
 */
export function roundForChart(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const d = SERIES_DIGITS - 1 - Math.floor(Math.log10(Math.abs(v)));
  // Past 10^22 powers of ten are not exact doubles: such huge or tiny values are left as they are.
  if (d > 22 || d < -22) return v;
  if (d <= 0) {
    const p = 10 ** -d;
    return Math.round(v / p) * p;
  }
  const p = 10 ** d;
  return Math.round(v * p) / p;
}

/** A run's metric series thinned for a chart (values to SERIES_DIGITS digits), with how many points it was thinned from. */
export interface SampledSeries extends Series {
  /** Points stored for this metric (NaN and duplicates included). */
  readonly total: number;
}

interface CacheEntry {
  /** The newest history row the entry was computed from: history rows are only ever appended. */
  readonly lastRow: number;
  readonly series: SampledSeries;
}

/** How many thinned series stay cached (a few KB each). */
const CACHE_ENTRIES = 20_000;

/**
 * Reads metric histories thinned for charts (the web UI's curves of many runs at once). Reading a
 * history costs about a microsecond per stored point, so a study of 200 runs × 1,000 points × 2
 * metrics would take most of a second on every view; thinned series are cached instead, each
 * checked against the newest row of its history (one index seek: metric rows are only appended,
 * never changed), so a finished run is read once and a running one again only when it logged.
 */
export class SeriesReader {
  private readonly sql;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(db: Database.Database) {
    this.sql = {
      runRow: db.prepare('SELECT id FROM runs WHERE run_uuid = ?').pluck(),
      lastRow: db.prepare('SELECT max(rowid) FROM metrics WHERE run = ? AND key = ?').pluck(),
      // In the index's order, which is the order logged: usually step order already, and SQLite's
      // sort of a long history costs as much as reading it (sorted below only when needed).
      points: db.prepare('SELECT step, value, timestamp FROM metrics WHERE run = ? AND key = ?').raw(),
      beyond: db.prepare('SELECT 1 FROM metrics WHERE run = ? AND key = ? LIMIT 1 OFFSET ?').pluck(),
      keys: db.prepare('SELECT key FROM latest_metrics WHERE run_uuid = ? ORDER BY key').pluck(),
    };
  }

  /**
   * The series of `key` in run `runId` thinned to about `maxPoints` points (see downsample()), or
   * undefined when there is no such run; a run without the metric has an empty series.
   */
  read(runId: string, key: string, maxPoints: number): SampledSeries | undefined {
    const run = this.sql.runRow.get(runId) as number | undefined;
    if (run === undefined) return undefined;
    const lastRow = (this.sql.lastRow.get(run, key) as number | null) ?? 0;
    return this.cached(run, key, maxPoints, lastRow) ?? this.thin(run, key, [maxPoints], lastRow, this.history(run, key))[0]!;
  }

  /** The metric keys run `runId` logged (none when there is no such run). */
  keysOf(runId: string): string[] {
    return this.sql.keys.all(runId) as string[];
  }

  /**
   * Thins the history of `key` in run `runId` to each of `maxPoints` ahead of a chart asking (one
   * read for them all), unless the history holds more than `maxRows` points (left to the first
   * read, which a user asked for). False when nothing was read (no run, too long, or cached).
   */
  warm(runId: string, key: string, maxPoints: readonly number[], maxRows: number): boolean {
    const run = this.sql.runRow.get(runId) as number | undefined;
    if (run === undefined) return false;
    const lastRow = (this.sql.lastRow.get(run, key) as number | null) ?? 0;
    const todo = maxPoints.filter((p) => !this.cached(run, key, p, lastRow));
    // Counting stops at maxRows: a run of millions of points costs no more than the limit to refuse.
    if (todo.length === 0 || this.sql.beyond.get(run, key, maxRows) !== undefined) return false;
    this.thin(run, key, todo, lastRow, this.history(run, key));
    return true;
  }

  private cached(run: number, key: string, maxPoints: number, lastRow: number): SampledSeries | undefined {
    const id = `${run}\u0000${maxPoints}\u0000${key}`;
    const hit = this.cache.get(id);
    if (!hit || hit.lastRow !== lastRow) return undefined;
    // Re-inserted: the Map's order is then least recently used first.
    this.cache.delete(id);
    this.cache.set(id, hit);
    return hit.series;
  }

  /** A history in step order; points at one step in the order they were logged (timestamp, then as stored). */
  private history(run: number, key: string): { steps: Float64Array; values: Float64Array } {
    const rows = this.sql.points.all(run, key) as [number, number | null, number][];
    let sorted = true;
    for (let i = 1; i < rows.length && sorted; i++) sorted = rows[i - 1]![0] <= rows[i]![0];
    if (!sorted) rows.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
    const steps = new Float64Array(rows.length);
    const values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      steps[i] = r[0];
      // NaN is stored as NULL; downsample() drops it with the infinities.
      values[i] = r[1] ?? NaN;
    }
    return { steps, values };
  }

  private thin(run: number, key: string, maxPoints: readonly number[], lastRow: number, h: { steps: Float64Array; values: Float64Array }): SampledSeries[] {
    return maxPoints.map((p) => {
      const thinned = downsample(h.steps, h.values, p);
      const series = { steps: thinned.steps, values: thinned.values.map(roundForChart), total: h.steps.length };
      const id = `${run}\u0000${p}\u0000${key}`;
      this.cache.delete(id);
      this.cache.set(id, { lastRow, series });
      if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      return series;
    });
  }
}
