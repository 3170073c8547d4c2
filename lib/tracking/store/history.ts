import type Database from 'better-sqlite3';
import { invalidParam } from '../errors';
import type { Metric } from '../types';

/** Paging arguments of metrics/get-history. */
export interface HistoryPageQuery {
  /** Points per page; absent means the whole history in one answer (MLflow's rule). */
  maxResults?: number;
  /** The `next_page_token` of the previous page. */
  pageToken?: string;
}

/** One page of a metric history; `nextPageToken` is absent on the last page. */
export interface HistoryPage {
  metrics: Metric[];
  nextPageToken?: string;
}

/** The proto's max_results is an int32. */
export const MAX_HISTORY_PAGE = 2_147_483_647;

interface PointRow {
  rid: number;
  key: string;
  value: number | null;
  is_nan: number;
  timestamp: number;
  step: number;
}

/**
 * Where a page ends, in the history's order: timestamp, step, NaN before numbers, value, then the
 * row id so that equal points still have a fixed place. NULL never appears in it (NaN is stored as
 * NULL), so that SQL row-value comparison works.
 */
type Cursor = readonly [timestamp: number, step: number, notNan: 0 | 1, value: number, rowid: number];

// ORDER BY value would put NULL (NaN) first too; the explicit flag keeps the cursor NULL-free.
const ORDER = 'ORDER BY timestamp, step, 1 - is_nan, IFNULL(value, 0), rowid';
const COLUMNS = 'SELECT rowid AS rid, key, value, is_nan, timestamp, step FROM metrics WHERE run = ? AND key = ?';

/** Encodes a cursor as an opaque token (base64url JSON; ±Infinity spelled as strings). */
function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c[0], c[1], c[2], String(c[3]), c[4]])).toString('base64url');
}

function badToken(token: string): never {
  throw invalidParam(`Invalid page token '${token.slice(0, 100)}' for metrics/get-history: pass the next_page_token of the previous answer unchanged, or none for the first page.`);
}

/** Decodes a page token; anything this server did not write is a 400. */
function decodeCursor(token: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return badToken(token);
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) return badToken(token);
  const [t, s, f, v, r] = parsed as unknown[];
  const value = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const ints = [t, s, r].every((x) => Number.isSafeInteger(x));
  if (!ints || (f !== 0 && f !== 1) || Number.isNaN(value)) return badToken(token);
  return [t as number, s as number, f, value, r as number];
}

/**
 * Reads metric histories page by page. The token is a keyset cursor (the last point's place in the
 * order), not an offset: points logged between two page requests never make a later page repeat
 * or skip a point that was already there when the first page was read.
 */
export class MetricHistoryReader {
  private readonly first: Database.Statement;
  private readonly after: Database.Statement;

  constructor(db: Database.Database) {
    this.first = db.prepare(`${COLUMNS} ${ORDER} LIMIT ?`);
    this.after = db.prepare(`${COLUMNS} AND (timestamp, step, 1 - is_nan, IFNULL(value, 0), rowid) > (?, ?, ?, ?, ?) ${ORDER} LIMIT ?`);
  }

  /** One page of the history of `key` in run `runRowId` (the runs table's integer id). */
  read(runRowId: number, key: string, q: HistoryPageQuery = {}): HistoryPage {
    const max = q.maxResults;
    if (max !== undefined && (!Number.isSafeInteger(max) || max < 1 || max > MAX_HISTORY_PAGE)) {
      throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied: it must be a whole number from 1 to ${MAX_HISTORY_PAGE}, or absent for the whole history.`);
    }
    // One row more than asked tells whether another page follows (no token on the last page).
    const limit = max === undefined ? -1 : max + 1;
    const rows = (
      q.pageToken ? this.after.all(runRowId, key, ...decodeCursor(q.pageToken), limit) : this.first.all(runRowId, key, limit)
    ) as PointRow[];
    const more = max !== undefined && rows.length > max;
    if (more) rows.length = max;
    const metrics = rows.map((r): Metric => ({ key: r.key, value: r.is_nan ? NaN : (r.value as number), timestamp: r.timestamp, step: r.step }));
    if (!more) return { metrics };
    const last = rows[rows.length - 1]!;
    return { metrics, nextPageToken: encodeCursor([last.timestamp, last.step, last.is_nan ? 0 : 1, last.value ?? 0, last.rid]) };
  }
}
