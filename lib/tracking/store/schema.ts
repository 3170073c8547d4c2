import type Database from 'better-sqlite3';
import { DojoError } from '../../errors';
import { INPUTS_MIGRATION } from './inputs';
import { REGISTRY_MIGRATION } from './registry';

/**
 * Schema migrations, applied in order inside one transaction each. Append a new entry to change the
 * schema; never edit an applied one (stores in the field have it recorded in schema_version).
 */
const MIGRATIONS: readonly string[] = [
  // 1: the MLflow entities. Metric values are REAL with a separate is_nan flag because SQLite
  // stores NaN as NULL.
  `
  CREATE TABLE experiments (
    experiment_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
  );
  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_uuid TEXT NOT NULL UNIQUE,
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    name TEXT NOT NULL,
    user_id TEXT,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    artifact_uri TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    deleted_time INTEGER
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time DESC);
  CREATE TABLE params (
    run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
  );
  CREATE TABLE tags (
    run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
  );
  -- The history is the hot table (every logged point): rows refer to the run by its integer id and
  -- the index is only (run, key), which keeps inserts cheap; a history read sorts one key's points.
  CREATE TABLE metrics (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    value REAL,
    is_nan INTEGER NOT NULL DEFAULT 0,
    timestamp INTEGER NOT NULL,
    step INTEGER NOT NULL
  );
  CREATE INDEX metrics_history ON metrics(run, key);
  CREATE TABLE latest_metrics (
    run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
    key TEXT NOT NULL,
    value REAL,
    is_nan INTEGER NOT NULL DEFAULT 0,
    timestamp INTEGER NOT NULL,
    step INTEGER NOT NULL,
    PRIMARY KEY (run_uuid, key)
  );
  `,
  // 2: the model registry (registered models, versions, stages, aliases).
  REGISTRY_MIGRATION,
  // 3: datasets and the inputs linking them to runs (runs/log-inputs).
  INPUTS_MIGRATION,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to SCHEMA_VERSION (or `target`, which only tests use to build a store as an
 * older dojo left it), one transaction per migration, and refuses a store written by a newer dojo
 * (its tables may mean something this code does not know).
 */
export function migrate(db: Database.Database, file: string, target: number = SCHEMA_VERSION): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let current = row?.version ?? 0;
  if (row === undefined) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  if (current > SCHEMA_VERSION) {
    throw new DojoError(
      'CONFLICT',
      `${file}: tracking store schema version ${current} is newer than this dojo understands (${SCHEMA_VERSION}); upgrade dojo or use another --store`,
    );
  }
  while (current < Math.min(target, SCHEMA_VERSION)) {
    const next = current + 1;
    try {
      db.transaction(() => {
        db.exec(MIGRATIONS[current]!);
        db.prepare('UPDATE schema_version SET version = ?').run(next);
      })();
    } catch (e) {
      // The transaction rolled back: the store is still at `current`, as the message says.
      throw new DojoError(
        'CONFLICT',
        `${file}: migrating the tracking store schema from version ${current} to ${next} failed (${e instanceof Error ? e.message : String(e)}); the store is unchanged at version ${current} — restore the file from a backup or use another --store`,
        { cause: e },
      );
    }
    current = next;
  }
}
