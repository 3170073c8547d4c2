// Failures of the operating system (disk full, read-only, permissions) and of SQLite files named as
// what they are, with the path: they are the user's to fix, not bugs in dojo.
import { DojoError } from './dojo-error';

const ERRNO_MEANING: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  ENOENT: 'no such file or folder',
  ENOTEMPTY: 'folder not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  EXDEV: 'cannot move across file systems',
};

const SQLITE_MEANING: Readonly<Record<string, string>> = {
  SQLITE_NOTADB: 'file is not a database',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_FULL: 'no space left for the database',
  SQLITE_CANTOPEN: 'cannot open the database file',
  SQLITE_IOERR: 'input/output error in the database file',
  SQLITE_PERM: 'permission denied on the database file',
};

const HINT: Readonly<Record<string, string>> = {
  EROFS: 'use a writable location',
  ENOSPC: 'free some space and try again',
  EDQUOT: 'free some space and try again',
  EACCES: 'check its permissions and owner',
  EPERM: 'check its permissions and owner',
  SQLITE_NOTADB: 'point dojo at a dojo database or at a new file',
  SQLITE_CORRUPT: 'restore it from a copy or start with a new file',
  SQLITE_READONLY: 'use a writable location',
  SQLITE_FULL: 'free some space and try again',
};

/** The errno or SQLite code of e (`ENOSPC`, `SQLITE_NOTADB`), when it is one of those. */
export function systemErrorCode(e: unknown): string | undefined {
  if (!(e instanceof Error) || !('code' in e) || typeof e.code !== 'string') return undefined;
  const code = e.code.startsWith('SQLITE_') ? e.code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1') : e.code;
  return ERRNO_MEANING[code] || SQLITE_MEANING[code] ? code : undefined;
}

/** One line for a system error: `<path>: no space left on the device (ENOSPC); free some space...`. */
export function describeSystemError(e: unknown, path?: string): string | undefined {
  const code = systemErrorCode(e);
  if (!code) return undefined;
  const where = path ?? (e instanceof Error && 'path' in e && typeof e.path === 'string' ? e.path : undefined);
  const meaning = ERRNO_MEANING[code] ?? SQLITE_MEANING[code]!;
  const hint = HINT[code];
  return `${where ? `${where}: ` : ''}${meaning} (${code})${hint ? `; ${hint}` : ''}`;
}

/** e as a DojoError naming path when it is an OS or SQLite file error; anything else is returned unchanged. */
export function fileError(e: unknown, path: string): unknown {
  const text = describeSystemError(e, path);
  return text ? new DojoError('IO', text, { cause: e }) : e;
}
