import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileError } from '../../errors';
import { migrate } from './schema';

/** The SQLite file inside a store directory. */
export const DB_FILE = 'mlflow.db';

/**
 * Opens (creating if needed) the store's SQLite database: WAL so readers never block the writer,
 * synchronous=NORMAL which in WAL mode keeps every committed transaction through a process crash
 * (kill -9; only an OS crash or power loss can drop the last commits), a 32 MB page cache for the metric index, a busy timeout so that two
 * processes on one store wait instead of failing, and the Default experiment "0" that MLflow
 * always has.
 */
export function openDatabase(storeDir: string): Database.Database {
  const file = join(storeDir, DB_FILE);
  let db: Database.Database;
  try {
    mkdirSync(storeDir, { recursive: true });
    db = new Database(file);
    // The first statement reads the file: "not a database", read-only and full disks show here.
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw fileError(e, file);
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -32768');
  try {
    migrate(db, file);
  } catch (e) {
    db.close();
    throw e;
  }
  const now = Date.now();
  db.prepare(
    `INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
     VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)`,
  ).run(now, now);
  return db;
}
