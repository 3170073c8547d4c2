import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASET_CONTEXT_TAG, TrackingStore } from '../../../lib/tracking';
import { DB_FILE } from '../../../lib/tracking/store/db';
import { migrate, SCHEMA_VERSION } from '../../../lib/tracking/store/schema';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dojo-migrate-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tables = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

/**
 * A store as the dojo before dataset inputs left it: schema version 2 (only the migrations that
 * existed then), WAL, with an experiment, a run, a param, a tag and a metric history in it.
 */
function storeAtVersion2(dir: string): { runUuid: string } {
  const db = new Database(join(dir, DB_FILE));
  db.pragma('journal_mode = WAL');
  migrate(db, DB_FILE, 2);
  const runUuid = 'ab'.repeat(16);
  db.prepare("INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 1, 1)").run();
  db.prepare("INSERT INTO experiments VALUES (1, 'old', 'mlflow-artifacts:/1', 'active', 2, 2)").run();
  db.prepare("INSERT INTO runs (id, run_uuid, experiment_id, name, status, start_time, artifact_uri) VALUES (1, ?, 1, 'old-run', 'FINISHED', 5, ?)").run(
    runUuid,
    `mlflow-artifacts:/1/${runUuid}/artifacts`,
  );
  db.prepare("INSERT INTO params VALUES (?, 'lr', '0.1')").run(runUuid);
  db.prepare("INSERT INTO tags VALUES (?, 'mlflow.runName', 'old-run')").run(runUuid);
  const point = db.prepare('INSERT INTO metrics (run, key, value, is_nan, timestamp, step) VALUES (1, ?, ?, 0, ?, ?)');
  for (let i = 0; i < 12; i++) point.run('loss', 1 / (i + 1), 100 + i, i);
  db.prepare("INSERT INTO latest_metrics VALUES (?, 'loss', ?, 0, 111, 11)").run(runUuid, 1 / 12);
  db.close();
  return { runUuid };
}

describe('tracking store migration to the dataset inputs schema', () => {
  it('the version-2 fixture really is the old schema (no dataset tables)', () => {
    const dir = tempDir();
    storeAtVersion2(dir);
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    expect(db.prepare('SELECT version FROM schema_version').get()).toEqual({ version: 2 });
    expect(tables(db)).not.toContain('datasets');
    expect(tables(db)).toContain('registered_models');
    db.close();
    expect(SCHEMA_VERSION).toBe(3);
  });

  it('opens a version-2 store, migrates it to the current version, keeps its data and takes dataset inputs', () => {
    const dir = tempDir();
    const { runUuid } = storeAtVersion2(dir);
    const store = new TrackingStore(dir);
    const run = store.runs.get(runUuid);
    expect(run.info).toMatchObject({ run_name: 'old-run', status: 'FINISHED', experiment_id: '1' });
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(run.inputs).toEqual({});
    const all = store.runs.history(runUuid, 'loss');
    expect(all.metrics.map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const first = store.runs.history(runUuid, 'loss', { maxResults: 5 });
    expect(first.metrics).toEqual(all.metrics.slice(0, 5));
    expect(first.nextPageToken).toBeDefined();

    const input = { tags: [{ key: DATASET_CONTEXT_TAG, value: 'training' }], dataset: { name: 'taxi', digest: 'd1', source_type: 'local', source: '{}' } };
    store.runs.logInputs(runUuid, [input]);
    store.close();

    const db = new Database(join(dir, DB_FILE), { readonly: true });
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
    expect(tables(db)).toEqual(expect.arrayContaining(['datasets', 'inputs', 'input_tags']));
    db.close();

    // Reopening migrates nothing again and finds what was written.
    const again = new TrackingStore(dir);
    expect(again.runs.get(runUuid).inputs).toEqual({ dataset_inputs: [input] });
    again.close();
  });

  it('a failed migration leaves the store at its old version, untouched, and opens fine once fixed', () => {
    const dir = tempDir();
    const { runUuid } = storeAtVersion2(dir);
    // A table in the way makes migration 3 fail half-way (after creating `datasets`).
    const db = new Database(join(dir, DB_FILE));
    db.exec('CREATE TABLE input_tags (x INTEGER)');
    db.close();
    expect(() => new TrackingStore(dir)).toThrow(/mlflow\.db: migrating the tracking store schema from version 2 to 3 failed \(.*input_tags.*\); the store is unchanged at version 2/);
    const check = new Database(join(dir, DB_FILE));
    expect(check.prepare('SELECT version FROM schema_version').get()).toEqual({ version: 2 });
    expect(tables(check)).not.toContain('datasets');
    check.exec('DROP TABLE input_tags');
    check.close();
    const store = new TrackingStore(dir);
    expect(store.runs.get(runUuid).info.run_name).toBe('old-run');
    store.close();
  });
});
