import type Database from 'better-sqlite3';
import { invalidParam } from '../errors';
import { parseFilter, parseOrderBy, RUN_VOCABULARY } from '../search/filter';
import { clauseSql, decodePageToken, encodePageToken, type EntityTables } from '../search/sql';

/** Which runs a search returns by lifecycle stage. */
export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Arguments of runs/search. */
export interface SearchRunsQuery {
  experimentIds: readonly unknown[];
  filter?: string;
  orderBy?: readonly string[];
  maxResults?: number;
  pageToken?: string;
  runViewType?: RunViewType;
}

/** MLflow's largest max_results. */
export const MAX_SEARCH_RESULTS = 50000;

const RUN_COLUMNS: Record<string, string> = {
  status: 'r.status',
  run_name: 'r.name',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
  run_id: 'r.run_uuid',
  lifecycle_stage: 'r.lifecycle_stage',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const RUN_TABLES: EntityTables = {
  metric: ['latest_metrics', 'run_uuid', 'r.run_uuid'],
  param: ['params', 'run_uuid', 'r.run_uuid'],
  tag: ['tags', 'run_uuid', 'r.run_uuid'],
};

/**
 * Builds and runs the SQL of runs/search and returns one page of run ids. Runs lacking the
 * metric, param or tag an order_by term names sort last in both directions (MLflow does the same);
 * ties break by start_time DESC, then run id.
 */
export function searchRunIds(
  db: Database.Database,
  q: SearchRunsQuery,
): { ids: string[]; nextPageToken?: string } {
  const max = q.maxResults ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > MAX_SEARCH_RESULTS) {
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${MAX_SEARCH_RESULTS}.`);
  }
  const clauses = parseFilter(q.filter, RUN_VOCABULARY);
  const order = parseOrderBy(q.orderBy, RUN_VOCABULARY);
  const offset = decodePageToken(q.pageToken);
  // Like MLflow's SQL store: unknown experiments simply match nothing.
  const exps = q.experimentIds.map((id) => {
    if (!/^\d+$/.test(String(id))) throw invalidParam(`Invalid experiment id '${String(id)}' in experiment_ids: expected a whole number.`);
    return Number(id);
  });
  if (exps.length === 0) return { ids: [] };

  const joins: string[] = [];
  const joinArgs: unknown[] = [];
  const orderSql: string[] = [];
  order.forEach((o, i) => {
    const dir = o.ascending ? 'ASC' : 'DESC';
    if (o.type === 'attribute') {
      const col = RUN_COLUMNS[o.key]!;
      orderSql.push(`(${col} IS NULL)`, `${col} ${dir}`);
      return;
    }
    const [table] = RUN_TABLES[o.type]!;
    joins.push(`LEFT JOIN ${table} o${i} ON o${i}.run_uuid = r.run_uuid AND o${i}.key = ?`);
    joinArgs.push(o.key);
    const nan = o.type === 'metric' ? `WHEN o${i}.is_nan = 1 THEN 1 ` : '';
    orderSql.push(`CASE WHEN o${i}.run_uuid IS NULL THEN 2 ${nan}ELSE 0 END`, `o${i}.value ${dir}`);
  });
  orderSql.push('r.start_time DESC', 'r.run_uuid ASC');

  const where = [`r.experiment_id IN (${exps.map(() => '?').join(', ')})`];
  const whereArgs: unknown[] = [...exps];
  const view = q.runViewType ?? 'ACTIVE_ONLY';
  if (view === 'ACTIVE_ONLY') where.push("r.lifecycle_stage = 'active'");
  if (view === 'DELETED_ONLY') where.push("r.lifecycle_stage = 'deleted'");
  for (const c of clauses) {
    const part = clauseSql(c, RUN_COLUMNS, RUN_TABLES);
    where.push(part.sql);
    whereArgs.push(...part.args);
  }
  const sql = `SELECT r.run_uuid AS id FROM runs r ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${orderSql.join(', ')} LIMIT ? OFFSET ?`;
  const ids = (db.prepare(sql).all(...joinArgs, ...whereArgs, max, offset) as { id: string }[]).map((r) => r.id);
  return ids.length === max ? { ids, nextPageToken: encodePageToken(offset + max) } : { ids };
}
