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

  constructor(readonly storeDir: string) {
    this.db = openDatabase(storeDir);
    this.experiments = new ExperimentStore(this.db);
    this.runs = new RunStore(this.db, this.experiments);
    this.registry = new RegistryStore(this.db);
    this.series = new SeriesReader(this.db);
  }

  /** Checkpoints the WAL and closes the database. */
  close(): void {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
