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

/** Reads a JSON file, or undefined when it does not exist. A corrupt file is a DojoError naming it (and `fix`: what to do). */
export function readJson<T>(file: string, fix = 'remove or fix the file'): T | undefined {
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
    throw new DojoError('BAD_DATA', `${file}: not valid JSON (${(e as Error).message}); ${fix}`, { cause: e });
  }
}

const JOB_STATUSES: readonly string[] = ['created', 'starting', 'running', 'suspended', 'completed', 'failed', 'stopped'];

/** What is wrong with a dojo config read from its folder `id`, or undefined when it has the schema's shape. */
function dojoConfigProblem(v: unknown, id: string): string | undefined {
  const c = v as Partial<Record<keyof DojoConfig, unknown>> | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'not a JSON object';
  if (c.id !== id) return `"id" is ${JSON.stringify(c.id)}, not the folder's name ${id}`;
  if (c.provider !== 'local' && c.provider !== 'aws') return `"provider" is ${JSON.stringify(c.provider)}, not "local" or "aws"`;
  if (typeof c.createdAt !== 'string') return '"createdAt" is not a string';
  if (typeof c.maxWorkers !== 'number') return '"maxWorkers" is not a number';
  return undefined;
}

/** What is wrong with a job record of file `<id>.json` of dojo dojoId, or undefined when it has the schema's shape. */
function jobRecordProblem(v: unknown, id: string, dojoId: string): string | undefined {
  const j = v as Partial<Record<keyof JobRecord, unknown>> | null;
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return 'not a JSON object';
  if (j.id !== id) return `"id" is ${JSON.stringify(j.id)}, not the file's name ${id}`;
  if (j.dojoId !== dojoId) return `"dojoId" is ${JSON.stringify(j.dojoId)}, not ${dojoId}`;
  if (typeof j.status !== 'string' || !JOB_STATUSES.includes(j.status)) return `"status" is ${JSON.stringify(j.status)}, not one of ${JOB_STATUSES.join(', ')}`;
  if (typeof j.createdAt !== 'string') return '"createdAt" is not a string';
  if (j.run !== undefined && (typeof j.run !== 'object' || j.run === null || typeof (j.run as { studyId?: unknown }).studyId !== 'string')) return '"run" has no "studyId"';
  return undefined;
}

/** Reads a record file and checks its shape: undefined when missing, BAD_DATA naming the file and what to do when corrupt. */
function readChecked<T>(file: string, problemOf: (v: unknown) => string | undefined, fix: string): T | undefined {
  const v = readJson<unknown>(file, fix);
  if (v === undefined) return undefined;
  const problem = problemOf(v);
  if (problem) throw new DojoError('BAD_DATA', `${file}: ${problem}; ${fix}`);
  return v as T;
}

/** What to do about a dojo's unreadable config. */
const fixConfig = (id: string) => `fix the file, or remove the dojo with \`dojo rm ${id} --yes\``;
/** What to do about an unreadable job record. */
const fixJob = (file: string) => `fix the file, or remove it (rm ${file}) to forget the job`;

let reportSkipped: (line: string) => void = (line) => process.stderr.write(`dojo: warning: ${line}\n`);
const reported = new Set<string>();

/** Where listings report the corrupt files they skip (default: one warning line each on stderr, once per file). */
export function onSkippedFile(report: (line: string) => void): void {
  reportSkipped = report;
  reported.clear();
}

/** The config of dojo id, or a NOT_FOUND error naming it (BAD_DATA naming its file when that is corrupt). */
export function loadDojoConfig(home: string, id: string): DojoConfig {
  const cfg = isId(id, 'dojo') ? readChecked<DojoConfig>(join(dojoDir(home, id), 'config.json'), (v) => dojoConfigProblem(v, id), fixConfig(id)) : undefined;
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

/**
 * The records in dir whose entry names pass `fileOf` (which gives the record's file and how to read
 * it), most recent first. A corrupt record is reported (once) and skipped: one bad file must not
 * hide every other dojo or job.
 */
function readRecords<T extends { readonly id: string; readonly createdAt: string }>(dir: string, fileOf: (name: string) => ((file: string) => T | undefined) | undefined, nameOf: (name: string) => string): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const n of names) {
    const read = fileOf(n);
    if (read === undefined) continue;
    const file = join(dir, nameOf(n));
    try {
      const rec = read(file);
      if (rec) out.push(rec);
    } catch (e) {
      if (!(e instanceof DojoError && e.code === 'BAD_DATA')) throw e;
      if (!reported.has(file)) reportSkipped(`skipped ${e.message}`);
      reported.add(file);
    }
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Every dojo config in the index, most recent first. */
export function listDojoConfigs(home: string): DojoConfig[] {
  return readRecords<DojoConfig>(
    home,
    (n) => (isId(n, 'dojo') ? (file) => readChecked<DojoConfig>(file, (v) => dojoConfigProblem(v, n), fixConfig(n)) : undefined),
    (n) => join(n, 'config.json'),
  );
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

/** Reads a job record file (undefined when missing, BAD_DATA naming it when corrupt). */
function readJob(file: string, jobId: string, dojoId: string): JobRecord | undefined {
  return readChecked<JobRecord>(file, (v) => jobRecordProblem(v, jobId, dojoId), fixJob(file));
}

/** Loads a job record (NOT_FOUND when missing, BAD_DATA naming its file when corrupt). */
export function loadJob(home: string, jobId: string): JobRecord {
  const dojoId = findJobDojo(home, jobId);
  const rec = readJob(jobFile(home, dojoId, jobId), jobId, dojoId);
  if (!rec) throw new DojoError('NOT_FOUND', `no job "${jobId}"`);
  return rec;
}

/** Saves a job record atomically. */
export function saveJob(home: string, rec: JobRecord): void {
  writeJsonAtomic(jobFile(home, rec.dojoId, rec.id), rec);
}

/** The job records of one dojo, most recent first. */
export function listJobRecords(home: string, dojoId: string): JobRecord[] {
  return readRecords<JobRecord>(
    join(dojoDir(home, dojoId), 'jobs'),
    (n) => (n.endsWith('.json') && isId(n.slice(0, -5), 'job') ? (file) => readJob(file, n.slice(0, -5), dojoId) : undefined),
    (n) => n,
  );
}

/** True when path exists and is a directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
