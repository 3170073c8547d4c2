import type Database from 'better-sqlite3';
import { openDatabase } from './db';
import { ExperimentStore } from './experiments';
import { RegistryStore } from './registry';
import { RunStore } from './runs';
import { SeriesReader } from './series';

/** The embedded server's store: SQLite (WAL, versioned schema) in `storeDir/mlflow.db`. */
export class TrackingStore {
  /** Experiments and their tags. */
  readonly experiments: ExperimentStore;
  /** Runs, params, tags, metrics. */
  readonly runs: RunStore;
  /** The model registry. */
  readonly registry: RegistryStore;
  /** Metric histories thinned for charts (the web UI). */
  readonly series: SeriesReader;
  private readonly db: Database.Database;
  private readonly versionSql: { other: Database.Statement; own: Database.Statement };

  constructor(readonly storeDir: string) {
    this.db = openDatabase(storeDir);
    this.versionSql = { other: this.db.prepare('PRAGMA data_version').pluck(), own: this.db.prepare('SELECT total_changes()').pluck() };
    this.experiments = new ExperimentStore(this.db);
    this.runs = new RunStore(this.db, this.experiments);
    this.registry = new RegistryStore(this.db);
    this.series = new SeriesReader(this.db);
  }

  /**
   * The store's write generation: it differs after any row written, by this server (SQLite's
   * total_changes() of its connection: every insert, update and delete, of runs, metrics, params,
   * tags, inputs, experiments and the registry) or by another process on the same file (PRAGMA
   * data_version). An answer made from the store at one generation holds until it changes.
   */
  generation(): string {
    return `${this.versionSql.other.get() as number}.${this.versionSql.own.get() as number}`;
  }

  /** Checkpoints the WAL and closes the database. */
  close(): void {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
