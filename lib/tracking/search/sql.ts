import { invalidParam } from '../errors';
import type { Clause } from './filter';

/** For each entity type: [table, its foreign-key column, the outer column it matches]. */
export type EntityTables = Partial<Record<'metric' | 'param' | 'tag', readonly [string, string, string]>>;

/** A fragment of SQL with its bound values. */
export interface SqlPart {
  sql: string;
  args: unknown[];
}

/** Turns a LIKE pattern into a GLOB pattern, because MLflow's LIKE is case-sensitive and SQLite's is not. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

function compare(column: string, c: Clause): SqlPart {
  switch (c.comparator) {
    case 'LIKE':
      return { sql: `${column} GLOB ?`, args: [likeToGlob(String(c.value))] };
    case 'ILIKE':
      return { sql: `LOWER(${column}) LIKE LOWER(?)`, args: [c.value] };
    case 'IN':
    case 'NOT IN': {
      const list = c.value as readonly string[];
      return { sql: `${column} ${c.comparator} (${list.map(() => '?').join(', ')})`, args: [...list] };
    }
    default:
      return { sql: `${column} ${c.comparator} ?`, args: [c.value] };
  }
}

/** SQL for one filter clause: a column comparison for attributes, an EXISTS for metrics/params/tags. */
export function clauseSql(c: Clause, attributeColumns: Record<string, string>, tables: EntityTables): SqlPart {
  if (c.type === 'attribute') {
    const col = attributeColumns[c.key];
    if (!col) throw invalidParam(`Invalid attribute key '${c.key}' in the filter string`);
    return compare(col, c);
  }
  const t = tables[c.type];
  if (!t) throw invalidParam(`Invalid entity type '${c.type}' in the filter string`);
  const [table, fk, outer] = t;
  const cmp = compare('x.value', c);
  const nan = c.type === 'metric' ? ' AND x.is_nan = 0' : '';
  return { sql: `EXISTS (SELECT 1 FROM ${table} x WHERE x.${fk} = ${outer} AND x.key = ?${nan} AND ${cmp.sql})`, args: [c.key, ...cmp.args] };
}

/** MLflow's page token: base64 of `{"offset": n}`, opaque to clients. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** Decodes a page token into an offset; a token that does not decode is a 400. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidParam(`Invalid page token, could not base64-decode: '${token}'`);
  }
  return offset;
}
