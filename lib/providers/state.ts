// The local index of dojos: $DOJO_HOME/<dojo-id>/config.json for every dojo of every provider,
// and $DOJO_HOME/<dojo-id>/jobs/<job-id>.json for its jobs. Every write is atomic (temp + rename)
// so that a crash leaves either the old or the new file, never half of one.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DojoError, fileError } from '../errors';
import type { DojoConfig, JobRecord } from './provider';

/** The root of all dojo state: $DOJO_HOME, default ~/.dojo. */
export function dojoHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOJO_HOME && env.DOJO_HOME.trim() !== '' ? env.DOJO_HOME : join(homedir(), '.dojo');
}

/** The folder of one dojo. */
export function dojoDir(home: string, id: string): string {
  return join(home, id);
}

/** A new random id with a readable prefix, e.g. dojo-3f9a0c1e. */
export function newId(prefix: 'dojo' | 'job'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

const ID_PATTERN = /^(dojo|job)-[0-9a-f]{8}$/;

/** True when s has the shape of a dojo or job id (so it can never escape $DOJO_HOME). */
export function isId(s: string, kind: 'dojo' | 'job'): boolean {
  return ID_PATTERN.test(s) && s.startsWith(kind + '-');
}

/**
 * Writes data as JSON to file atomically (temp file in the same folder, fsync-free rename). On failure
 * (disk full, read-only) the temp file is removed and the error names the file.
 */
export function writeJsonAtomic(file: string, data: unknown): void {
  writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
}

/** Writes text to file atomically (see writeJsonAtomic); mode applies to the new file (e.g. 0o600). */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileError(e, file);
  }
}

/** Reads a JSON file, or undefined when it does not exist. A corrupt file is a DojoError naming it. */
export function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DojoError('BAD_DATA', `${file}: not valid JSON (${(e as Error).message}); remove or fix the file`, { cause: e });
  }
}

/** The config of dojo id, or a NOT_FOUND error naming it. */
export function loadDojoConfig(home: string, id: string): DojoConfig {
  const cfg = isId(id, 'dojo') ? readJson<DojoConfig>(join(dojoDir(home, id), 'config.json')) : undefined;
  if (!cfg) throw new DojoError('NOT_FOUND', `no dojo "${id}" in ${home}; run \`dojo ls\` to see the dojos`, { usage: true });
  return cfg;
}

/** The file holding a dojo's bearer token for its local servers (mode 0600). */
export function tokenFile(home: string, id: string): string {
  return join(dojoDir(home, id), 'token');
}

/** The dojo's bearer token, or undefined for a dojo created before tokens existed. */
export function readDojoToken(home: string, id: string): string | undefined {
  try {
    return readFileSync(tokenFile(home, id), 'utf8').trim() || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(e, tokenFile(home, id));
  }
}

/** Writes a new random token for the dojo (mode 0600: only the user may read it). */
export function createDojoToken(home: string, id: string): string {
  const token = randomBytes(24).toString('base64url');
  writeFileAtomic(tokenFile(home, id), token + '\n', 0o600);
  return token;
}

/**
 * Records a new dojo: its folder, config and bearer token. All or nothing: when any step fails (disk
 * full, read-only DOJO_HOME) the folder is removed again and the error names the path.
 */
export function saveDojoConfig(home: string, cfg: DojoConfig): void {
  const dir = dojoDir(home, cfg.id);
  try {
    // Not recursive for the dojo folder itself: Node reports EROFS there as ENOENT when recursive.
    if (!isDir(home)) mkdirSync(home, { recursive: true });
  } catch (e) {
    throw fileError(e, home);
  }
  try {
    mkdirSync(dir);
  } catch (e) {
    throw fileError(e, dir);
  }
  try {
    try {
      mkdirSync(join(dir, 'jobs'));
    } catch (e) {
      throw fileError(e, join(dir, 'jobs'));
    }
    createDojoToken(home, cfg.id);
    writeJsonAtomic(join(dir, 'config.json'), cfg);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The records in dir whose entry names pass `fileOf` (which gives the record's file), most recent first. */
function readRecords<T extends { readonly id: string; readonly createdAt: string }>(dir: string, fileOf: (name: string) => string | undefined): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const n of names) {
    const file = fileOf(n);
    const rec = file === undefined ? undefined : readJson<T>(join(dir, file));
    if (rec) out.push(rec);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Every dojo config in the index, most recent first. */
export function listDojoConfigs(home: string): DojoConfig[] {
  return readRecords<DojoConfig>(home, (n) => (isId(n, 'dojo') ? join(n, 'config.json') : undefined));
}

/** The file of a job record. */
export function jobFile(home: string, dojoId: string, jobId: string): string {
  return join(dojoDir(home, dojoId), 'jobs', `${jobId}.json`);
}

/** Finds which dojo a job belongs to, or a NOT_FOUND error naming the job. */
export function findJobDojo(home: string, jobId: string): string {
  if (isId(jobId, 'job')) {
    for (const cfg of listDojoConfigs(home)) {
      if (existsSync(jobFile(home, cfg.id, jobId))) return cfg.id;
    }
  }
  throw new DojoError('NOT_FOUND', `no job "${jobId}" in ${home}; run \`dojo job ls\` to see the jobs`, { usage: true });
}

/** Loads a job record (NOT_FOUND when missing). */
export function loadJob(home: string, jobId: string): JobRecord {
  const dojoId = findJobDojo(home, jobId);
  const rec = readJson<JobRecord>(jobFile(home, dojoId, jobId));
  if (!rec) throw new DojoError('NOT_FOUND', `no job "${jobId}"`);
  return rec;
}

/** Saves a job record atomically. */
export function saveJob(home: string, rec: JobRecord): void {
  writeJsonAtomic(jobFile(home, rec.dojoId, rec.id), rec);
}

/** The job records of one dojo, most recent first. */
export function listJobRecords(home: string, dojoId: string): JobRecord[] {
  return readRecords<JobRecord>(join(dojoDir(home, dojoId), 'jobs'), (n) => (n.endsWith('.json') && isId(n.slice(0, -5), 'job') ? n : undefined));
}

/** True when path exists and is a directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
