import Database from 'better-sqlite3';
import { fileError } from '../../errors';
import type { Params } from '../space';
import type { ResolvedStudySpec } from '../spec';
import type { BestModel } from '../study';
import type { SamplerMemo, TrialState } from '../types';

/** A study row as stored. */
export interface StoredStudy {
  readonly id: number;
  readonly name: string;
  readonly spec: ResolvedStudySpec;
  readonly seed: number;
  readonly createdAt: number;
  parentRunId?: string;
  finishedAt?: number;
  /** Set once the ended study's best model is promoted in tracking. */
  bestModel?: BestModel;
}

/** A trial row as stored, with its intermediate values. */
export interface StoredTrial {
  readonly number: number;
  state: TrialState;
  readonly params: Params;
  value?: number;
  runId?: string;
  readonly startedAt: number;
  endedAt?: number;
  /** Why a failed trial failed: "heartbeat" (timed out, may still be told) or "told". */
  failReason?: string;
  readonly intermediate: Map<number, number>;
  /** Which sampler produced the params ("gp", "tpe-startup", "enqueued", "from-study", ...). */
  readonly sampler?: string;
  /** The sampler's state kept with the trial (e.g. the GP's fitted hyperparameters). */
  readonly memo?: SamplerMemo;
}

/** A parameter set waiting in a study's queue (`enqueue`), oldest first. */
export interface QueuedParams {
  readonly id: number;
  readonly params: Params;
}

interface TrialRow {
  study_id: number;
  number: number;
  state: TrialState;
  params: string;
  value: number | null;
  run_id: string | null;
  started_at: number;
  ended_at: number | null;
  fail_reason: string | null;
  sampler: string | null;
  memo: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  spec TEXT NOT NULL,
  seed INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  parent_run_id TEXT,
  finished_at INTEGER,
  best_model TEXT
);
CREATE TABLE IF NOT EXISTS trials (
  study_id INTEGER NOT NULL REFERENCES studies(id),
  number INTEGER NOT NULL,
  state TEXT NOT NULL,
  params TEXT NOT NULL,
  value REAL,
  run_id TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  fail_reason TEXT,
  PRIMARY KEY (study_id, number)
);
CREATE TABLE IF NOT EXISTS intermediate (
  study_id INTEGER NOT NULL,
  number INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (study_id, number, step)
);
CREATE TABLE IF NOT EXISTS enqueued (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  params TEXT NOT NULL
);
`;

/**
 * Durable study state in SQLite (WAL, one transaction per change). Every change is committed
 * before the service answers, so a kill -9 loses nothing that was acknowledged.
 */
export class SqliteStore {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<SqliteStore['prepare']>;

  /** Opens (creating if needed) the database file; ":memory:" for tests. */
  constructor(file: string) {
    try {
      this.db = new Database(file);
      // The first statement reads the file: "not a database", read-only and full disks show here.
      this.db.pragma('journal_mode = WAL');
    } catch (e) {
      throw fileError(e, file);
    }
    // NORMAL is durable against process crashes in WAL mode (only an OS crash can lose the last commits).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Databases written before best_model existed gain the column (NULL: no best model recorded).
    const columns = this.db.prepare('PRAGMA table_info(studies)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'best_model')) this.db.exec('ALTER TABLE studies ADD COLUMN best_model TEXT');
    // Trials written before samplers labelled them have no sampler or memo (NULL).
    const trialColumns = this.db.prepare('PRAGMA table_info(trials)').all() as { name: string }[];
    if (!trialColumns.some((c) => c.name === 'sampler')) this.db.exec('ALTER TABLE trials ADD COLUMN sampler TEXT');
    if (!trialColumns.some((c) => c.name === 'memo')) this.db.exec('ALTER TABLE trials ADD COLUMN memo TEXT');
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      insertStudy: db.prepare('INSERT INTO studies (id, name, spec, seed, created_at) VALUES (?, ?, ?, ?, ?)'),
      countStudies: db.prepare('SELECT COUNT(*) AS n FROM studies'),
      setParentRun: db.prepare('UPDATE studies SET parent_run_id = ? WHERE id = ?'),
      setFinished: db.prepare('UPDATE studies SET finished_at = ? WHERE id = ?'),
      setBestModel: db.prepare('UPDATE studies SET best_model = ? WHERE id = ?'),
      insertTrial: db.prepare(
        'INSERT INTO trials (study_id, number, state, params, value, run_id, started_at, ended_at, fail_reason, sampler, memo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertEnqueued: db.prepare('INSERT INTO enqueued (study_id, params) VALUES (?, ?)'),
      deleteEnqueued: db.prepare('DELETE FROM enqueued WHERE id = ? AND study_id = ?'),
      updateTrial: db.prepare('UPDATE trials SET state = ?, value = ?, ended_at = ?, fail_reason = ? WHERE study_id = ? AND number = ?'),
      setRunId: db.prepare('UPDATE trials SET run_id = ? WHERE study_id = ? AND number = ?'),
      upsertValue: db.prepare('INSERT OR REPLACE INTO intermediate (study_id, number, step, value) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Inserts a study and returns its id (a given id is kept: rebuilding from tracking). */
  insertStudy(name: string, spec: ResolvedStudySpec, seed: number, createdAt: number, id?: number): number {
    return Number(this.stmts.insertStudy.run(id ?? null, name, JSON.stringify(spec), seed, createdAt).lastInsertRowid);
  }

  /** Number of studies stored. */
  countStudies(): number {
    return (this.stmts.countStudies.get() as { n: number }).n;
  }

  /** Records the tracking parent run of a study. */
  setParentRun(studyId: number, runId: string): void {
    this.stmts.setParentRun.run(runId, studyId);
  }

  /** Records that a study's end-of-study work (reports) is done. */
  setFinished(studyId: number, at: number): void {
    this.stmts.setFinished.run(at, studyId);
  }

  /** Records where the ended study's best model is (JSON of BestModel). */
  setBestModel(studyId: number, model: BestModel): void {
    this.stmts.setBestModel.run(JSON.stringify(model), studyId);
  }

  /** Inserts a new trial (a number is never reused: the primary key refuses it). */
  insertTrial(studyId: number, t: StoredTrial): void {
    this.stmts.insertTrial.run(
      studyId,
      t.number,
      t.state,
      JSON.stringify(t.params),
      t.value ?? null,
      t.runId ?? null,
      t.startedAt,
      t.endedAt ?? null,
      t.failReason ?? null,
      t.sampler ?? null,
      t.memo ? JSON.stringify(t.memo) : null,
    );
  }

  /** Appends parameter sets to a study's queue; returns their queue ids in order. */
  enqueue(studyId: number, sets: readonly Params[]): number[] {
    return this.transaction(() => sets.map((p) => Number(this.stmts.insertEnqueued.run(studyId, JSON.stringify(p)).lastInsertRowid)));
  }

  /** Hands out a queued set: inserts its trial and removes it from the queue in one transaction. */
  insertTrialFromQueue(studyId: number, queueId: number, t: StoredTrial): void {
    this.transaction(() => {
      this.stmts.deleteEnqueued.run(queueId, studyId);
      this.insertTrial(studyId, t);
    });
  }

  /** Writes a trial's state, value and end time (and its intermediate values, when given) in one transaction. */
  updateTrial(studyId: number, t: StoredTrial): void {
    this.stmts.updateTrial.run(t.state, t.value ?? null, t.endedAt ?? null, t.failReason ?? null, studyId, t.number);
  }

  /** Records the tracking run of a trial. */
  setRunId(studyId: number, number: number, runId: string): void {
    this.stmts.setRunId.run(runId, studyId, number);
  }

  /** Stores one intermediate value (a repeated step overwrites). */
  putIntermediate(studyId: number, number: number, step: number, value: number): void {
    this.stmts.upsertValue.run(studyId, number, step, value);
  }

  /** Runs fn in one transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Loads every study with its trials (trials in number order). */
  loadAll(): { study: StoredStudy; trials: StoredTrial[]; queue: QueuedParams[] }[] {
    const studies = this.db.prepare('SELECT * FROM studies ORDER BY id').all() as {
      id: number;
      name: string;
      spec: string;
      seed: number;
      created_at: number;
      parent_run_id: string | null;
      finished_at: number | null;
      best_model: string | null;
    }[];
    const trialRows = this.db.prepare('SELECT * FROM trials ORDER BY study_id, number').all() as TrialRow[];
    const values = this.db.prepare('SELECT * FROM intermediate ORDER BY study_id, number, step').all() as {
      study_id: number;
      number: number;
      step: number;
      value: number;
    }[];
    const byStudy = new Map<number, StoredTrial[]>();
    const index = new Map<string, StoredTrial>();
    for (const r of trialRows) {
      const t: StoredTrial = {
        number: r.number,
        state: r.state,
        params: JSON.parse(r.params) as Params,
        value: r.value ?? undefined,
        runId: r.run_id ?? undefined,
        startedAt: r.started_at,
        endedAt: r.ended_at ?? undefined,
        failReason: r.fail_reason ?? undefined,
        intermediate: new Map(),
        ...(r.sampler !== null ? { sampler: r.sampler } : {}),
        ...(r.memo !== null ? { memo: JSON.parse(r.memo) as SamplerMemo } : {}),
      };
      let list = byStudy.get(r.study_id);
      if (!list) byStudy.set(r.study_id, (list = []));
      list.push(t);
      index.set(`${r.study_id}/${r.number}`, t);
    }
    for (const v of values) index.get(`${v.study_id}/${v.number}`)?.intermediate.set(v.step, v.value);
    const queues = new Map<number, QueuedParams[]>();
    for (const q of this.db.prepare('SELECT * FROM enqueued ORDER BY id').all() as { id: number; study_id: number; params: string }[]) {
      let list = queues.get(q.study_id);
      if (!list) queues.set(q.study_id, (list = []));
      list.push({ id: q.id, params: JSON.parse(q.params) as Params });
    }
    return studies.map((s) => ({
      study: {
        id: s.id,
        name: s.name,
        spec: JSON.parse(s.spec) as ResolvedStudySpec,
        seed: s.seed,
        createdAt: s.created_at,
        parentRunId: s.parent_run_id ?? undefined,
        finishedAt: s.finished_at ?? undefined,
        bestModel: s.best_model ? (JSON.parse(s.best_model) as BestModel) : undefined,
      },
      trials: byStudy.get(s.id) ?? [],
      queue: queues.get(s.id) ?? [],
    }));
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
