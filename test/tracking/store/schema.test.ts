import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TrackingStore } from '../../../lib/tracking';
import { SCHEMA_VERSION } from '../../../lib/tracking/store/schema';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dojo-schema-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tracking store schema', () => {
  it('records the schema version, uses WAL, has the Default experiment, and reopens without migrating again', () => {
    const dir = tempDir();
    const s1 = new TrackingStore(dir);
    const runId = s1.runs.create({ experimentId: '0', tags: [] }).info.run_id;
    s1.close();
    const db = new Database(join(dir, 'mlflow.db'));
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const s2 = new TrackingStore(dir);
    expect(s2.experiments.get('0').name).toBe('Default');
    expect(s2.runs.get(runId).info.run_id).toBe(runId);
    s2.close();
  });

  it('refuses a store written by a newer schema, naming the file', () => {
    const dir = tempDir();
    new TrackingStore(dir).close();
    const db = new Database(join(dir, 'mlflow.db'));
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    db.close();
    expect(() => new TrackingStore(dir)).toThrow(/mlflow\.db: tracking store schema version \d+ is newer than this dojo understands/);
  });
});
