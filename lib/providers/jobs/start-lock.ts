// One `dojo job start` of a job at a time: an exclusive intent file beside the job record, created
// with link(2) (atomic, fails with EEXIST) so that two starts at the same moment cannot both pass
// the "not started yet" check and both launch workers. A lock whose process died (a crashed start)
// is broken by the next start.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DojoError, fileError } from '../../errors';

/** What a start lock records about its holder. */
export interface StartLockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** The lock file of a job's start, beside its record (jobs/<job>.json). */
export function startLockFile(jobFile: string): string {
  return jobFile.replace(/\.json$/, '') + '.start.lock';
}

function readHolder(file: string): StartLockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<StartLockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? (h as StartLockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** True while pid is a process of this machine (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder that can no longer finish its start: its process on this machine is gone. */
function stale(h: StartLockHolder): boolean {
  return h.host === hostname() && !alive(h.pid);
}

/** Tries once to create the lock: taken, the holder in the way, or 'gone' when it vanished while read. */
function tryCreate(file: string, me: StartLockHolder): StartLockHolder | 'taken' | 'gone' {
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(me) + '\n');
    linkSync(tmp, file);
    return 'taken';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readHolder(file) ?? 'gone';
    throw fileError(e, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Moves a stale lock aside and removes it; when another start replaced it in between (its holder
 * differs from the stale one seen), puts that one back and reports false.
 */
function breakStale(file: string, seen: StartLockHolder): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw fileError(e, file);
  }
  const moved = readHolder(aside);
  if (moved && moved.pid === seen.pid && moved.since === seen.since) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    linkSync(aside, file);
  } catch {
    // A third start took the lock meanwhile: it is the holder now either way.
  }
  rmSync(aside, { force: true });
  return false;
}

/** Runs fn holding the job's start lock; CONFLICT naming the other start's pid when it is held. */
export async function withStartLock<T>(jobFile: string, jobId: string, fn: () => Promise<T>): Promise<T> {
  const file = startLockFile(jobFile);
  const me: StartLockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    const r = tryCreate(file, me);
    if (r === 'taken') break;
    if (attempt < 3 && r === 'gone') continue;
    if (attempt < 3 && r !== 'gone' && stale(r) && breakStale(file, r)) {
      continue;
    }
    const who = r !== 'gone' ? `pid ${r.pid} on ${r.host}, since ${r.since}` : `lock ${file}`;
    throw new DojoError(
      'CONFLICT',
      `job ${jobId} is being started by another \`dojo job start\` (${who}); wait for it and run \`dojo job inspect ${jobId}\`, or remove ${file} if that start is gone`,
    );
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
