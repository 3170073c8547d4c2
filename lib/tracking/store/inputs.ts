import type Database from 'better-sqlite3';
import { invalidParam } from '../errors';
import type { Dataset, DatasetInput, InputTag, RunInputs } from '../types';

/**
 * Schema migration 3: datasets (one row per experiment, name and digest, as MLflow deduplicates
 * them), the inputs linking a dataset to a run (once per run and dataset), and the input tags.
 */
export const INPUTS_MIGRATION = `
  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source TEXT NOT NULL,
    dataset_schema TEXT,
    dataset_profile TEXT,
    UNIQUE (experiment_id, name, digest)
  );
  CREATE TABLE inputs (
    id INTEGER PRIMARY KEY,
    run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    UNIQUE (run_uuid, dataset_id)
  );
  CREATE TABLE input_tags (
    input_id INTEGER NOT NULL REFERENCES inputs(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (input_id, key)
  );
`;

/** MLflow's size limits for a dataset's fields and input tags (mlflow/utils/validation.py). */
export const DATASET_LIMITS = {
  name: 500,
  digest: 36,
  source: 65535,
  schema: 1048575,
  profile: 16777215,
  tagKey: 255,
  tagValue: 500,
} as const;

function checkLength(what: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) {
    throw invalidParam(`'${what}' exceeds the maximum length of ${max} characters (got ${value.length}).`);
  }
}

/** Checks the lengths MLflow checks before it writes anything; throws 400 naming the field. */
export function validateDatasetInputs(inputs: readonly DatasetInput[]): void {
  inputs.forEach((input, i) => {
    const d = input.dataset;
    const at = `datasets[${i}].dataset`;
    checkLength(`${at}.name`, d.name, DATASET_LIMITS.name);
    checkLength(`${at}.digest`, d.digest, DATASET_LIMITS.digest);
    checkLength(`${at}.source`, d.source, DATASET_LIMITS.source);
    checkLength(`${at}.schema`, d.schema, DATASET_LIMITS.schema);
    checkLength(`${at}.profile`, d.profile, DATASET_LIMITS.profile);
    const seen = new Set<string>();
    (input.tags ?? []).forEach((t, j) => {
      checkLength(`datasets[${i}].tags[${j}].key`, t.key, DATASET_LIMITS.tagKey);
      checkLength(`datasets[${i}].tags[${j}].value`, t.value, DATASET_LIMITS.tagValue);
      // MLflow's SQL store fails with a 500 on this (primary key); a 400 tells the caller what to fix.
      if (seen.has(t.key)) throw invalidParam(`Duplicate tag key '${t.key}' in datasets[${i}].tags: an input tag key may appear once.`);
      seen.add(t.key);
    });
  });
}

interface DatasetRow {
  run_uuid: string;
  input_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}

/** Dataset inputs of runs: written by runs/log-inputs, read into `run.inputs`. */
export class InputStore {
  private readonly sql;

  constructor(db: Database.Database) {
    this.sql = {
      findDataset: db.prepare('SELECT id FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?'),
      // OR IGNORE: the dataset recorded first under this name and digest stays as it is.
      insertDataset: db.prepare(
        'INSERT OR IGNORE INTO datasets (experiment_id, name, digest, source_type, source, dataset_schema, dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertInput: db.prepare('INSERT OR IGNORE INTO inputs (run_uuid, dataset_id) VALUES (?, ?)'),
      insertTag: db.prepare('INSERT INTO input_tags (input_id, key, value) VALUES (?, ?, ?)'),
      // The inputs of many runs at once (a JSON array of run ids): runs/search reads a page in one go.
      inputsOf: db.prepare(
        `SELECT i.run_uuid, i.id AS input_id, d.name, d.digest, d.source_type, d.source, d.dataset_schema, d.dataset_profile
         FROM inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run_uuid IN (SELECT value FROM json_each(?)) ORDER BY i.id`,
      ),
      tagsOf: db.prepare('SELECT key, value FROM input_tags WHERE input_id = ? ORDER BY key'),
    };
  }

  /**
   * Links datasets to a run, inside the caller's transaction. As MLflow does: a dataset already
   * recorded in the experiment under the same name and digest is reused as it is (its source,
   * schema and profile are not updated); a dataset already linked to the run is skipped with its
   * tags unchanged; within one call the first of several inputs with the same name and digest wins.
   * The UNIQUE constraints give all three (INSERT OR IGNORE), also against a concurrent writer.
   */
  link(runUuid: string, experimentId: number, inputs: readonly DatasetInput[]): void {
    for (const input of inputs) {
      const d = input.dataset;
      this.sql.insertDataset.run(experimentId, d.name, d.digest, d.source_type, d.source, d.schema ?? null, d.profile ?? null);
      const datasetId = (this.sql.findDataset.get(experimentId, d.name, d.digest) as { id: number }).id;
      const linked = this.sql.insertInput.run(runUuid, datasetId);
      if (linked.changes === 0) continue;
      const inputId = Number(linked.lastInsertRowid);
      for (const t of input.tags ?? []) this.sql.insertTag.run(inputId, t.key, t.value);
    }
  }

  /**
   * The inputs of each of `runUuids` as MLflow answers them: `{}` without any, else
   * `{dataset_inputs: [...]}` in logging order. One query for them all.
   */
  ofMany(runUuids: readonly string[]): Map<string, RunInputs> {
    const out = new Map<string, RunInputs>(runUuids.map((id) => [id, {}]));
    for (const r of this.sql.inputsOf.all(JSON.stringify(runUuids)) as DatasetRow[]) {
      const dataset: Dataset = { name: r.name, digest: r.digest, source_type: r.source_type, source: r.source };
      if (r.dataset_schema !== null) dataset.schema = r.dataset_schema;
      if (r.dataset_profile !== null) dataset.profile = r.dataset_profile;
      const tags = this.sql.tagsOf.all(r.input_id) as InputTag[];
      const inputs = out.get(r.run_uuid)!;
      (inputs.dataset_inputs ??= []).push(tags.length > 0 ? { tags, dataset } : { dataset });
    }
    return out;
  }
}
