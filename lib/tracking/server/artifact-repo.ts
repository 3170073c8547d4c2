import { createWriteStream, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { invalidParam, notFound } from '../errors';
import type { FileInfo } from '../types';

/** The artifact root of proxied artifacts, relative to which `mlflow-artifacts:` URIs resolve. */
export const ARTIFACTS_DIR = 'artifacts';

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Artifacts on disk under `<store>/artifacts`, addressed by the relative paths of MLflow's proxied
 * artifact API. Every path is checked before use: no `..` or `.` segment, not absolute, no
 * backslash or NUL, and no symlink anywhere below the root, so nothing outside the root is ever
 * read or written.
 */
export class ArtifactRepository {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** Maps a relative artifact path to an absolute one inside the root, refusing escapes (400). */
  resolve(rel: string): string {
    if (rel.includes('\0') || rel.includes('\\')) throw invalidParam(`Invalid artifact path '${rel}': backslashes and NUL are not allowed.`);
    if (rel.startsWith('/')) throw invalidParam(`Invalid artifact path '${rel}': absolute paths are not allowed.`);
    const parts = rel.split('/').filter((p) => p !== '');
    if (parts.some((p) => p === '..' || p === '.')) throw invalidParam(`Invalid artifact path '${rel}': '..' and '.' segments are not allowed.`);
    let cur = this.root;
    for (const p of parts) {
      cur = join(cur, p);
      const st = lstatOrUndefined(cur);
      if (st === undefined) break;
      if (st.isSymbolicLink()) throw invalidParam(`Invalid artifact path '${rel}': it goes through a symbolic link.`);
    }
    return join(this.root, ...parts);
  }

  /** Writes a file atomically (temp file + rename) from a stream. */
  async put(rel: string, body: Readable): Promise<void> {
    const target = this.resolve(rel);
    if (rel.endsWith('/') || target === this.root) throw invalidParam(`Invalid artifact path '${rel}': it names a directory.`);
    const dir = join(target, '..');
    mkdirSync(dir, { recursive: true });
    this.resolve(rel); // again: mkdir must not have raced with a symlink
    if (lstatOrUndefined(target)?.isDirectory()) throw invalidParam(`Invalid artifact path '${rel}': it is a directory.`);
    const tmp = join(dir, `.upload-${randomUUID()}`);
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** The absolute path and size of an existing file; 404 otherwise. */
  file(rel: string): { path: string; size: number } {
    const p = this.resolve(rel);
    const st = lstatOrUndefined(p);
    if (!st || !st.isFile()) throw notFound(`Artifact '${rel}' does not exist.`);
    return { path: p, size: st.size };
  }

  /** Lists a directory (entries named by basename); undefined when it is missing or a file. */
  list(rel: string): FileInfo[] | undefined {
    const p = this.resolve(rel);
    const st = lstatOrUndefined(p);
    if (!st || !st.isDirectory()) return undefined;
    return readdirSync(p, { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.upload-') && (d.isFile() || d.isDirectory()))
      .map((d) => (d.isDirectory() ? { path: d.name, is_dir: true } : { path: d.name, is_dir: false, file_size: statSync(join(p, d.name)).size }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Deletes a file or directory tree. */
  delete(rel: string): void {
    const p = this.resolve(rel);
    if (p === this.root) throw invalidParam('Refusing to delete the artifact root.');
    rmSync(p, { recursive: true, force: true });
  }
}

/** The path below the artifact root of an `mlflow-artifacts:/...` URI (with or without an authority). */
export function proxiedPathOf(uri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  if (!m) throw invalidParam(`Artifact URI '${uri}' is not served by this server (expected mlflow-artifacts:/...).`);
  return m[1]!;
}
