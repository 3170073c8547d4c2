import type Database from 'better-sqlite3';
import { alreadyExists, invalidParam, notFound } from '../errors';

/** MLflow's model version stages. */
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
/** One of MODEL_STAGES. */
export type ModelStage = (typeof MODEL_STAGES)[number];

/** A tag of a registered model or model version. */
export interface RegistryTag {
  key: string;
  value: string;
}

/** MLflow's ModelVersion as the REST API answers it. */
export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: ModelStage;
  description?: string;
  source: string;
  run_id?: string;
  status: 'READY';
  tags?: RegistryTag[];
  aliases?: string[];
}

/** MLflow's RegisteredModel as the REST API answers it. */
export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: RegistryTag[];
  aliases?: { alias: string; version: string }[];
}

interface VersionRow {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: ModelStage;
  description: string | null;
  source: string;
  run_id: string | null;
}

const nonEmpty = <T>(a: T[]): T[] | undefined => (a.length ? a : undefined);

/**
 * The model registry of the embedded server (MLflow's registered models, versions, stages and
 * aliases), in the tables of schema migration 2. Versions count from 1 per model and are never reused.
 */
export class RegistryStore {
  constructor(private readonly db: Database.Database) {}

  /** registered-models/create */
  createModel(name: string, description?: string, tags: RegistryTag[] = []): RegisteredModel {
    const now = Date.now();
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name)) {
        throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      }
      this.db.prepare('INSERT INTO registered_models (name, creation_timestamp, last_updated_timestamp, description) VALUES (?, ?, ?, ?)').run(name, now, now, description ?? null);
      const tag = this.db.prepare('INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)');
      for (const t of tags) tag.run(name, t.key, t.value);
    })();
    return this.getModel(name);
  }

  /** registered-models/get */
  getModel(name: string): RegisteredModel {
    const row = this.db.prepare('SELECT * FROM registered_models WHERE name = ?').get(name) as
      | { name: string; creation_timestamp: number; last_updated_timestamp: number; description: string | null }
      | undefined;
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    const tags = this.db.prepare('SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key').all(name) as RegistryTag[];
    const aliases = (this.db.prepare('SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias').all(name) as { alias: string; version: number }[]).map(
      (a) => ({ alias: a.alias, version: String(a.version) }),
    );
    // MLflow: the latest version in each stage.
    const latest = this.db
      .prepare('SELECT * FROM model_versions v WHERE name = ? AND version = (SELECT MAX(version) FROM model_versions w WHERE w.name = v.name AND w.current_stage = v.current_stage) ORDER BY version')
      .all(name) as VersionRow[];
    return {
      name: row.name,
      creation_timestamp: row.creation_timestamp,
      last_updated_timestamp: row.last_updated_timestamp,
      ...(row.description ? { description: row.description } : {}),
      latest_versions: nonEmpty(latest.map((v) => this.toVersion(v))),
      tags: nonEmpty(tags),
      aliases: nonEmpty(aliases),
    };
  }

  /** registered-models/search: `name = 'x'`, `name LIKE 'x%'` or `name ILIKE ...` filters (or none), by name. */
  searchModels(filter: string | undefined, maxResults = 100, pageToken?: string): { registered_models: RegisteredModel[]; next_page_token?: string } {
    const where = nameFilter(filter);
    const offset = pageToken ? Number(Buffer.from(pageToken, 'base64').toString('utf8')) : 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidParam(`Invalid page_token '${pageToken}'`);
    const names = this.db.prepare(`SELECT name FROM registered_models ${where.sql} ORDER BY name LIMIT ? OFFSET ?`).all(...where.args, maxResults + 1, offset) as { name: string }[];
    const page = names.slice(0, maxResults).map((n) => this.getModel(n.name));
    return { registered_models: page, ...(names.length > maxResults ? { next_page_token: Buffer.from(String(offset + maxResults)).toString('base64') } : {}) };
  }

  /** registered-models/delete: the model, its versions, tags and aliases. */
  deleteModel(name: string): void {
    this.getModel(name);
    this.db.transaction(() => {
      for (const t of ['registered_model_aliases', 'model_version_tags', 'model_versions', 'registered_model_tags', 'registered_models']) {
        this.db.prepare(`DELETE FROM ${t} WHERE name = ?`).run(name);
      }
    })();
  }

  /** model-versions/create: the next version number of the model (which must exist, as in MLflow). */
  createVersion(name: string, source: string, runId?: string, description?: string, tags: RegistryTag[] = []): ModelVersion {
    const now = Date.now();
    const version = this.db.transaction(() => {
      this.getModel(name);
      const max = (this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM model_versions WHERE name = ?').get(name) as { v: number }).v;
      const v = max + 1;
      this.db
        .prepare('INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp, current_stage, description, source, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(name, v, now, now, 'None', description ?? null, source, runId ?? null);
      const tag = this.db.prepare('INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)');
      for (const t of tags) tag.run(name, v, t.key, t.value);
      this.db.prepare('UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?').run(now, name);
      return v;
    })();
    return this.getVersion(name, String(version));
  }

  /** model-versions/get */
  getVersion(name: string, version: string): ModelVersion {
    const v = /^\d+$/.test(version) ? Number(version) : NaN;
    const row = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, v) as VersionRow | undefined;
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return this.toVersion(row);
  }

  /** model-versions/search: `name = 'x'` / `run_id = 'y'` filters, newest version first. */
  searchVersions(filter: string | undefined, maxResults = 1000): { model_versions: ModelVersion[] } {
    const where = versionFilter(filter);
    const rows = this.db.prepare(`SELECT * FROM model_versions ${where.sql} ORDER BY name, version DESC LIMIT ?`).all(...where.args, maxResults) as VersionRow[];
    return { model_versions: rows.map((r) => this.toVersion(r)) };
  }

  /** model-versions/transition-stage, optionally archiving the other versions in that stage. */
  transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): ModelVersion {
    const canonical = MODEL_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
    if (!canonical) throw invalidParam(`Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_STAGES.join(', ')}.`);
    const mv = this.getVersion(name, version);
    const now = Date.now();
    this.db.transaction(() => {
      if (archiveExisting && (canonical === 'Staging' || canonical === 'Production')) {
        this.db.prepare("UPDATE model_versions SET current_stage = 'Archived', last_updated_timestamp = ? WHERE name = ? AND current_stage = ? AND version != ?").run(now, name, canonical, Number(mv.version));
      }
      this.db.prepare('UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?').run(canonical, now, name, Number(mv.version));
    })();
    return this.getVersion(name, version);
  }

  /** registered-models/alias (POST): points the alias at a version. */
  setAlias(name: string, alias: string, version: string): void {
    this.getVersion(name, version);
    if (/^v\d+$/i.test(alias) || alias.toLowerCase() === 'latest') throw invalidParam(`'${alias}' is a reserved alias name`);
    this.db.prepare('INSERT OR REPLACE INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?)').run(name, alias, Number(version));
  }

  /** registered-models/alias (DELETE). */
  deleteAlias(name: string, alias: string): void {
    this.getModel(name);
    this.db.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?').run(name, alias);
  }

  /** registered-models/alias (GET): the version an alias points at; an unset alias is a 400, as in MLflow. */
  getByAlias(name: string, alias: string): ModelVersion {
    const row = this.db.prepare('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?').get(name, alias) as { version: number } | undefined;
    if (!row) throw invalidParam(`Registered model alias ${alias} not found.`);
    return this.getVersion(name, String(row.version));
  }

  private toVersion(r: VersionRow): ModelVersion {
    const tags = this.db.prepare('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key').all(r.name, r.version) as RegistryTag[];
    const aliases = (this.db.prepare('SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias').all(r.name, r.version) as { alias: string }[]).map((a) => a.alias);
    return {
      name: r.name,
      version: String(r.version),
      creation_timestamp: r.creation_timestamp,
      last_updated_timestamp: r.last_updated_timestamp,
      current_stage: r.current_stage,
      ...(r.description ? { description: r.description } : {}),
      source: r.source,
      ...(r.run_id ? { run_id: r.run_id } : {}),
      status: 'READY',
      tags: nonEmpty(tags),
      aliases: nonEmpty(aliases),
    };
  }
}

/** The registry's small filter language: `name = 'x'`, `name LIKE/ILIKE 'x%'`, `run_id = 'y'`, joined by AND. */
function parseClauses(filter: string | undefined, fields: readonly string[]): { sql: string; args: string[] } {
  if (!filter || !filter.trim()) return { sql: '', args: [] };
  const parts: string[] = [];
  const args: string[] = [];
  for (const clause of filter.split(/\s+AND\s+/i)) {
    const m = /^\s*(\w+)\s*(=|!=|LIKE|ILIKE)\s*(['"])(.*)\3\s*$/i.exec(clause);
    if (!m || !fields.includes(m[1]!)) throw invalidParam(`Invalid filter '${filter}': use ${fields.map((f) => `${f} = '...'`).join(' or ')} (LIKE/ILIKE also allowed), joined by AND`);
    const op = m[2]!.toUpperCase();
    parts.push(op === 'ILIKE' ? `LOWER(${m[1]}) LIKE LOWER(?)` : op === 'LIKE' ? `${m[1]} LIKE ?` : `${m[1]} ${op} ?`);
    args.push(m[4]!);
  }
  return { sql: `WHERE ${parts.join(' AND ')}`, args };
}

function nameFilter(filter: string | undefined): { sql: string; args: string[] } {
  return parseClauses(filter, ['name']);
}

function versionFilter(filter: string | undefined): { sql: string; args: string[] } {
  return parseClauses(filter, ['name', 'run_id', 'source']);
}

/** Schema migration 2: the model registry's tables. */
export const REGISTRY_MIGRATION = `
  CREATE TABLE registered_models (
    name TEXT PRIMARY KEY,
    creation_timestamp INTEGER NOT NULL,
    last_updated_timestamp INTEGER NOT NULL,
    description TEXT
  );
  CREATE TABLE registered_model_tags (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
  );
  CREATE TABLE model_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    creation_timestamp INTEGER NOT NULL,
    last_updated_timestamp INTEGER NOT NULL,
    current_stage TEXT NOT NULL,
    description TEXT,
    source TEXT NOT NULL,
    run_id TEXT,
    PRIMARY KEY (name, version)
  );
  CREATE TABLE model_version_tags (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, version, key)
  );
  CREATE TABLE registered_model_aliases (
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
  );
`;
