import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { invalidParam, notFound } from '../errors';
import { RUN_NAME_TAG, type DatasetInput, type LifecycleStage, type Metric, type Param, type Run, type RunInfo, type RunStatus, type RunTag } from '../types';
import type { ExperimentStore } from './experiments';
import { MetricHistoryReader, type HistoryPage, type HistoryPageQuery } from './history';
import { InputStore, validateDatasetInputs } from './inputs';
import { generateRunName } from './run-names';
import { searchRunIds, type SearchRunsQuery } from './run-search';
import { MAX_PARAM_VALUE, MAX_TAG_VALUE, truncateCodePoints, validateKey } from './validate';

interface RunRow {
  id: number;
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string | null;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

interface MetricRow {
  key: string;
  value: number | null;
  is_nan: number;
  timestamp: number;
  step: number;
}

/** Arguments of runs/create, already parsed from the request. */
export interface CreateRunInput {
  experimentId: unknown;
  userId?: string;
  startTime?: number;
  runName?: string;
  tags: RunTag[];
}

/** Arguments of runs/update. */
export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/** Rows per multi-row INSERT: one statement call per chunk instead of per metric. */
const CHUNK = 50;

/** MLflow's latest-value order: step, then timestamp, then value with NaN lowest. */
function newer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? -Infinity : a.value;
  const bv = Number.isNaN(b.value) ? -Infinity : b.value;
  return av > bv;
}

function metricOf(r: MetricRow): Metric {
  return { key: r.key, value: r.is_nan ? NaN : (r.value as number), timestamp: r.timestamp, step: r.step };
}

/** Runs, params, tags, metrics and dataset inputs in the SQLite store; every public method is one transaction. */
export class RunStore {
  private readonly sql;
  private readonly inputs: InputStore;
  private readonly historyReader: MetricHistoryReader;

  constructor(
    private readonly db: Database.Database,
    private readonly experiments: ExperimentStore,
  ) {
    // Prepared once: log-batch is the hot path (tens of thousands of metrics per second).
    this.sql = {
      run: db.prepare('SELECT * FROM runs WHERE run_uuid = ?'),
      stage: db.prepare('SELECT id, experiment_id, lifecycle_stage FROM runs WHERE run_uuid = ?'),
      insertMetric: db.prepare('INSERT INTO metrics (run, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)'),
      insertMetrics: db.prepare(`INSERT INTO metrics (run, key, value, is_nan, timestamp, step) VALUES ${Array(CHUNK).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`),
      // Latest = highest step, then timestamp, then value (NaN lowest), as MLflow keeps it.
      upsertLatest: db.prepare(
        `INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
           timestamp = excluded.timestamp, step = excluded.step
         WHERE (excluded.step, excluded.timestamp, CASE WHEN excluded.is_nan THEN -9e999 ELSE excluded.value END)
             > (latest_metrics.step, latest_metrics.timestamp, CASE WHEN latest_metrics.is_nan THEN -9e999 ELSE latest_metrics.value END)`,
      ),
      getParam: db.prepare('SELECT value FROM params WHERE run_uuid = ? AND key = ?'),
      insertParam: db.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)'),
      upsertTag: db.prepare('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      // What a run answer holds, for many runs at once (a JSON array of run ids): a page of
      // runs/search is a few queries, not a few per run. Each table's key is (run_uuid, key).
      runs: db.prepare('SELECT * FROM runs WHERE run_uuid IN (SELECT value FROM json_each(?))'),
      params: db.prepare('SELECT run_uuid, key, value FROM params WHERE run_uuid IN (SELECT value FROM json_each(?)) ORDER BY run_uuid, key'),
      tags: db.prepare('SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (SELECT value FROM json_each(?)) ORDER BY run_uuid, key'),
      latest: db.prepare('SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics WHERE run_uuid IN (SELECT value FROM json_each(?)) ORDER BY run_uuid, key'),
      rename: db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?'),
    };
    this.inputs = new InputStore(db);
    this.historyReader = new MetricHistoryReader(db);
  }

  private row(runId: unknown): RunRow {
    if (typeof runId !== 'string' || runId === '') throw invalidParam("Missing value for required parameter 'run_id'.");
    const row = this.sql.run.get(runId) as RunRow | undefined;
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  /** Checks that the run exists and is active; returns its integer id and experiment. */
  private requireActive(runId: unknown): { id: number; experiment_id: number } {
    if (typeof runId !== 'string' || runId === '') throw invalidParam("Missing value for required parameter 'run_id'.");
    const r = this.sql.stage.get(runId) as { id: number; experiment_id: number; lifecycle_stage: LifecycleStage } | undefined;
    if (!r) throw notFound(`Run with id=${runId} not found`);
    if (r.lifecycle_stage !== 'active') throw invalidParam(`The run ${runId} must be in the 'active' state. Current state is ${r.lifecycle_stage}.`);
    return r;
  }

  private info(r: RunRow): RunInfo {
    const info: RunInfo = {
      run_id: r.run_uuid,
      run_uuid: r.run_uuid,
      run_name: r.name,
      experiment_id: String(r.experiment_id),
      status: r.status,
      start_time: r.start_time,
      artifact_uri: r.artifact_uri,
      lifecycle_stage: r.lifecycle_stage,
    };
    if (r.user_id) info.user_id = r.user_id;
    if (r.end_time !== null) info.end_time = r.end_time;
    return info;
  }

  private toRun(r: RunRow): Run {
    return this.toRuns([r])[0]!;
  }

  /** The answers of many runs, in the order given: params, tags, latest metrics and inputs read for all of them at once. */
  private toRuns(rows: readonly RunRow[]): Run[] {
    const ids = rows.map((r) => r.run_uuid);
    const json = JSON.stringify(ids);
    const group = <R extends { run_uuid: string }, T>(list: readonly R[], map: (x: R) => T): Map<string, T[]> => {
      const by = new Map<string, T[]>();
      for (const x of list) {
        const to = by.get(x.run_uuid);
        if (to) to.push(map(x));
        else by.set(x.run_uuid, [map(x)]);
      }
      return by;
    };
    const keyValue = (x: { key: string; value: string }): Param => ({ key: x.key, value: x.value });
    const params = group(this.sql.params.all(json) as (Param & { run_uuid: string })[], keyValue);
    const tags = group(this.sql.tags.all(json) as (RunTag & { run_uuid: string })[], keyValue);
    const metrics = group(this.sql.latest.all(json) as (MetricRow & { run_uuid: string })[], metricOf);
    const inputs = this.inputs.ofMany(ids);
    return rows.map((r) => {
      const data: Run['data'] = {};
      const m = metrics.get(r.run_uuid);
      const p = params.get(r.run_uuid);
      const t = tags.get(r.run_uuid);
      if (m) data.metrics = m;
      if (p) data.params = p;
      if (t) data.tags = t;
      return { info: this.info(r), data, inputs: inputs.get(r.run_uuid)! };
    });
  }

  /** runs/create: the name and the mlflow.runName tag always agree. */
  create(input: CreateRunInput): Run {
    return this.db.transaction(() => {
      const exp = this.experiments.require(input.experimentId);
      if (exp.lifecycle_stage !== 'active') {
        throw invalidParam(`The experiment ${exp.experiment_id} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`);
      }
      const tagName = input.tags.find((t) => t.key === RUN_NAME_TAG)?.value;
      if (input.runName && tagName !== undefined && tagName !== input.runName) {
        throw invalidParam(`Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${input.runName}', ${RUN_NAME_TAG}='${tagName}').`);
      }
      const name = input.runName || tagName || generateRunName();
      const id = randomUUID().replace(/-/g, '');
      const artifactUri = `${exp.artifact_location.replace(/\/$/, '')}/${id}/artifacts`;
      this.db
        .prepare('INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, exp.experiment_id, name, input.userId ?? null, 'RUNNING', input.startTime ?? Date.now(), artifactUri);
      for (const t of input.tags) this.putTag(id, t);
      this.putTag(id, { key: RUN_NAME_TAG, value: name });
      return this.toRun(this.row(id));
    })();
  }

  /** runs/get: deleted runs are readable. */
  get(runId: unknown): Run {
    return this.toRun(this.row(runId));
  }

  /** runs/update: keeps the old end_time unless a new one is given. */
  update(runId: unknown, u: UpdateRunInput): RunInfo {
    return this.db.transaction(() => {
      this.requireActive(runId);
      const id = runId as string;
      if (u.status !== undefined) this.db.prepare('UPDATE runs SET status = ? WHERE run_uuid = ?').run(u.status, id);
      if (u.endTime !== undefined) this.db.prepare('UPDATE runs SET end_time = ? WHERE run_uuid = ?').run(u.endTime, id);
      if (u.runName) {
        this.sql.rename.run(u.runName, id);
        this.sql.upsertTag.run(id, RUN_NAME_TAG, u.runName);
      }
      return this.info(this.row(id));
    })();
  }

  /** runs/delete and runs/restore. */
  setStage(runId: unknown, stage: LifecycleStage): void {
    this.db.transaction(() => {
      const r = this.row(runId);
      this.db.prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?').run(stage, stage === 'deleted' ? Date.now() : null, r.run_uuid);
    })();
  }

  private putTag(runId: string, t: RunTag): void {
    validateKey('tag', t.key);
    const value = truncateCodePoints(t.value, MAX_TAG_VALUE);
    this.sql.upsertTag.run(runId, t.key, value);
    if (t.key === RUN_NAME_TAG) this.sql.rename.run(value, runId);
  }

  /**
   * log-batch (and log-metric, log-parameter, set-tag, which are batches of one): all or nothing in
   * one transaction. A param may be logged again with the same value, never changed.
   */
  logBatch(runId: unknown, metrics: readonly Metric[], params: readonly Param[], tags: readonly RunTag[]): void {
    const seen = new Set<string>();
    const dup = new Set<string>();
    for (const p of params) (seen.has(p.key) ? dup : seen).add(p.key);
    if (dup.size > 0) {
      throw invalidParam(`Duplicate parameter keys have been submitted: [${[...dup].map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`);
    }
    for (const m of metrics) validateKey('metric', m.key);
    for (const p of params) validateKey('param', p.key);
    this.db.transaction(() => {
      const rowId = this.requireActive(runId).id;
      const id = runId as string;
      for (const p of params) {
        const value = truncateCodePoints(p.value, MAX_PARAM_VALUE);
        const old = this.sql.getParam.get(id, p.key) as { value: string } | undefined;
        if (old === undefined) this.sql.insertParam.run(id, p.key, value);
        else if (old.value !== value) {
          throw invalidParam(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old.value}' for run ID='${id}'. Attempted logging new value '${value}'.`,
          );
        }
      }
      this.insertHistory(rowId, metrics);
      // One upsert per key (not per point): the batch's own latest point competes with the stored one.
      const latest = new Map<string, Metric>();
      for (const m of metrics) {
        const cur = latest.get(m.key);
        if (!cur || newer(m, cur)) latest.set(m.key, m);
      }
      for (const m of latest.values()) {
        const nan = Number.isNaN(m.value);
        this.sql.upsertLatest.run(id, m.key, nan ? null : m.value, nan ? 1 : 0, m.timestamp, m.step);
      }
      for (const t of tags) this.putTag(id, t);
    })();
  }

  private insertHistory(rowId: number, metrics: readonly Metric[]): void {
    let i = 0;
    const args: unknown[] = new Array(CHUNK * 6);
    for (; i + CHUNK <= metrics.length; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        const m = metrics[i + j]!;
        const nan = Number.isNaN(m.value);
        args[j * 6] = rowId;
        args[j * 6 + 1] = m.key;
        args[j * 6 + 2] = nan ? null : m.value;
        args[j * 6 + 3] = nan ? 1 : 0;
        args[j * 6 + 4] = m.timestamp;
        args[j * 6 + 5] = m.step;
      }
      this.sql.insertMetrics.run(args);
    }
    for (; i < metrics.length; i++) {
      const m = metrics[i]!;
      const nan = Number.isNaN(m.value);
      this.sql.insertMetric.run(rowId, m.key, nan ? null : m.value, nan ? 1 : 0, m.timestamp, m.step);
    }
  }

  /** runs/delete-tag: 404 when the tag does not exist. */
  deleteTag(runId: unknown, key: unknown): void {
    this.db.transaction(() => {
      this.requireActive(runId);
      const r = this.db.prepare('DELETE FROM tags WHERE run_uuid = ? AND key = ?').run(runId, key);
      if (r.changes === 0) throw notFound(`No tag with name: ${String(key)} in run with id ${String(runId)}`);
    })();
  }

  /**
   * runs/log-inputs: links datasets to the run in one transaction (all or nothing). Like log-batch it
   * needs an active run (a finished one is fine, a deleted one is a 400).
   */
  logInputs(runId: unknown, datasets: readonly DatasetInput[]): void {
    validateDatasetInputs(datasets);
    this.db.transaction(() => {
      const run = this.requireActive(runId);
      this.inputs.link(runId as string, run.experiment_id, datasets);
    })();
  }

  /**
   * metrics/get-history: duplicates kept, ordered by timestamp, step, value (NaN first); the whole
   * history unless `q.maxResults` asks for pages.
   */
  history(runId: unknown, key: unknown, q: HistoryPageQuery = {}): HistoryPage {
    const run = this.row(runId);
    if (typeof key !== 'string' || key === '') throw invalidParam("Missing value for required parameter 'metric_key'.");
    return this.historyReader.read(run.id, key, q);
  }

  /** runs/search. */
  search(q: SearchRunsQuery): { runs: Run[]; nextPageToken?: string } {
    const { ids, nextPageToken } = searchRunIds(this.db, q);
    const byId = new Map((this.sql.runs.all(JSON.stringify(ids)) as RunRow[]).map((r) => [r.run_uuid, r]));
    const runs = this.toRuns(ids.map((id) => byId.get(id)!));
    return nextPageToken === undefined ? { runs } : { runs, nextPageToken };
  }
}
