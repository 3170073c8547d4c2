import type Database from 'better-sqlite3';
import { alreadyExists, invalidParam, notFound } from '../errors';
import { EXPERIMENT_VOCABULARY, parseFilter, parseOrderBy } from '../search/filter';
import { clauseSql, decodePageToken, encodePageToken } from '../search/sql';
import type { Experiment, ExperimentTag, LifecycleStage } from '../types';
import { MAX_TAG_VALUE, truncateCodePoints, validateKey } from './validate';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
}

/** Which experiments a search returns. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Arguments of experiments/search. */
export interface SearchExperimentsQuery {
  viewType?: ViewType;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

const EXPERIMENT_COLUMNS: Record<string, string> = {
  name: 'e.name',
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
};

/** Parses an experiment id as MLflow does: anything but a whole number is a missing experiment. */
export function experimentIdOf(id: unknown): number {
  const s = String(id ?? '');
  if (!/^\d+$/.test(s)) throw notFound(`No Experiment with id=${s} exists`);
  return Number(s);
}

/** Experiments and their tags in the SQLite store; every method runs in its own transaction. */
export class ExperimentStore {
  constructor(private readonly db: Database.Database) {}

  private row(id: number): ExperimentRow | undefined {
    return this.db.prepare('SELECT * FROM experiments WHERE experiment_id = ?').get(id) as ExperimentRow | undefined;
  }

  private toJson(r: ExperimentRow): Experiment {
    const tags = this.db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key').all(r.experiment_id) as ExperimentTag[];
    const e: Experiment = {
      experiment_id: String(r.experiment_id),
      name: r.name,
      artifact_location: r.artifact_location,
      lifecycle_stage: r.lifecycle_stage,
      last_update_time: r.last_update_time,
      creation_time: r.creation_time,
    };
    if (tags.length > 0) e.tags = tags;
    return e;
  }

  /** Returns the experiment's row or throws 404. */
  require(id: unknown): ExperimentRow {
    const row = this.row(experimentIdOf(id));
    if (!row) throw notFound(`No Experiment with id=${String(id)} exists`);
    return row;
  }

  /** Creates an experiment; the name must be unused, even by a deleted experiment. */
  create(name: unknown, artifactLocation: unknown, tags: ExperimentTag[]): string {
    if (typeof name !== 'string' || name === '') throw invalidParam("Missing value for required parameter 'name'.");
    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM experiments WHERE name = ?').get(name)) {
        throw alreadyExists(`Experiment '${name}' already exists.`);
      }
      const now = Date.now();
      const next = (this.db.prepare('SELECT COALESCE(MAX(experiment_id), 0) + 1 AS id FROM experiments').get() as { id: number }).id;
      const location = typeof artifactLocation === 'string' && artifactLocation !== '' ? artifactLocation : `mlflow-artifacts:/${next}`;
      this.db
        .prepare('INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)')
        .run(next, name, location, 'active', now, now);
      for (const t of tags) this.putTag(next, t.key, t.value);
      return String(next);
    })();
  }

  private putTag(id: number, key: unknown, value: unknown): void {
    validateKey('tag', key);
    const v = typeof value === 'string' ? truncateCodePoints(value, MAX_TAG_VALUE) : String(value ?? '');
    this.db.prepare('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value').run(id, key, v);
  }

  /** experiments/get. */
  get(id: unknown): Experiment {
    return this.toJson(this.require(id));
  }

  /** experiments/get-by-name: 404 for an unknown name. */
  getByName(name: unknown): Experiment {
    if (typeof name !== 'string' || name === '') throw invalidParam("Missing value for required parameter 'experiment_name'.");
    const row = this.db.prepare('SELECT * FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return this.toJson(row);
  }

  /** Sets the lifecycle stage (delete / restore). */
  setStage(id: unknown, stage: LifecycleStage): void {
    this.db.transaction(() => {
      const row = this.require(id);
      if (stage === 'deleted' && row.experiment_id === 0) throw invalidParam('Cannot delete the default experiment 0.');
      this.db.prepare('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?').run(stage, Date.now(), row.experiment_id);
      this.db.prepare('UPDATE runs SET lifecycle_stage = ? WHERE experiment_id = ?').run(stage, row.experiment_id);
    })();
  }

  /** experiments/update: renames. */
  rename(id: unknown, newName: unknown): void {
    if (typeof newName !== 'string' || newName === '') throw invalidParam("Missing value for required parameter 'new_name'.");
    this.db.transaction(() => {
      const row = this.require(id);
      if (row.lifecycle_stage !== 'active') throw invalidParam(`Cannot rename a non-active experiment ${row.experiment_id}.`);
      const other = this.db.prepare('SELECT experiment_id FROM experiments WHERE name = ?').get(newName) as { experiment_id: number } | undefined;
      if (other && other.experiment_id !== row.experiment_id) throw alreadyExists(`Experiment '${newName}' already exists.`);
      this.db.prepare('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?').run(newName, Date.now(), row.experiment_id);
    })();
  }

  /** experiments/set-experiment-tag. */
  setTag(id: unknown, key: unknown, value: unknown): void {
    this.db.transaction(() => {
      const row = this.require(id);
      if (row.lifecycle_stage !== 'active') throw invalidParam(`The experiment ${row.experiment_id} must be in the 'active' state.`);
      this.putTag(row.experiment_id, key, value);
    })();
  }

  /** experiments/search: default order creation time descending. */
  search(q: SearchExperimentsQuery): { experiments: Experiment[]; nextPageToken?: string } {
    const clauses = parseFilter(q.filter, EXPERIMENT_VOCABULARY);
    const order = parseOrderBy(q.orderBy, EXPERIMENT_VOCABULARY);
    const max = q.maxResults ?? 1000;
    if (!Number.isInteger(max) || max < 1 || max > 50000) throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most 50000.`);
    const offset = decodePageToken(q.pageToken);
    const where: string[] = [];
    const args: unknown[] = [];
    const view = q.viewType ?? 'ACTIVE_ONLY';
    if (view === 'ACTIVE_ONLY') where.push("e.lifecycle_stage = 'active'");
    if (view === 'DELETED_ONLY') where.push("e.lifecycle_stage = 'deleted'");
    for (const c of clauses) {
      const s = clauseSql(c, EXPERIMENT_COLUMNS, { tag: ['experiment_tags', 'experiment_id', 'e.experiment_id'] });
      where.push(s.sql);
      args.push(...s.args);
    }
    const orderSql = order.map((o) => {
      if (o.type === 'attribute') return `${EXPERIMENT_COLUMNS[o.key]} ${o.ascending ? 'ASC' : 'DESC'}`;
      throw invalidParam(`Invalid order_by entity '${o.type}' for experiments; use name, creation_time or last_update_time`);
    });
    orderSql.push('e.creation_time DESC', 'e.experiment_id DESC');
    const sql = `SELECT e.* FROM experiments e ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${orderSql.join(', ')} LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...args, max, offset) as ExperimentRow[];
    const experiments = rows.map((r) => this.toJson(r));
    return rows.length === max ? { experiments, nextPageToken: encodePageToken(offset + max) } : { experiments };
  }
}
