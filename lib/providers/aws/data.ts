// `dojo data put`: a local folder to the dojo bucket's `data/` prefix, multipart (lib-storage)
// with progress, and the s3:// globs to hand to `dojo job start -e DOJO_TRAIN_GLOB ...`.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, posix, relative, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
// Imported statically: a dynamic import() of this CommonJS package, code-split by esbuild, yields a
// chunk with only a default export, so `Upload` was undefined in the built CLI.
import { Upload } from '@aws-sdk/lib-storage';
import { DojoError } from '../../errors';
import type { UploadProgress } from '../provider';

/** One local file and its key. */
export interface UploadFile {
  readonly path: string;
  readonly key: string;
  readonly bytes: number;
}

/** A valid key prefix from --prefix (or the folder name): no leading/trailing slashes, no `..`. */
export function dataPrefix(dir: string, prefix?: string): string {
  const p = (prefix ?? basename(dir.replace(/[\\/]+$/, ''))).replace(/^\/+|\/+$/g, '');
  if (p === '' || p.split('/').some((s) => s === '..' || s === '.' || s === '') || !/^[A-Za-z0-9!_.*'()\-/]+$/.test(p)) {
    throw new DojoError('USAGE', `--prefix: "${prefix ?? p}" is not a usable S3 key prefix (letters, digits, - _ . / only, no ..)`);
  }
  return `data/${p}/`;
}

/** Every regular file under dir (hidden files and folders skipped), with its key under prefix. */
export function listUploadFiles(dir: string, prefix: string): UploadFile[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new DojoError('USAGE', `LOCAL_DIR ${dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new DojoError('USAGE', `LOCAL_DIR ${dir}: not a folder`);
  const out: UploadFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push({ path: p, key: prefix + relative(dir, p).split(sep).join('/'), bytes: statSync(p).size });
    }
  };
  walk(dir);
  if (out.length === 0) throw new DojoError('USAGE', `LOCAL_DIR ${dir}: no files to upload`);
  return out;
}

/** The globs of the uploaded keys: per folder, `*<ext>` when all its files share an extension. */
export function globsOf(bucket: string, files: readonly UploadFile[]): string[] {
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const dir = posix.dirname(f.key);
    const exts = byDir.get(dir) ?? new Set<string>();
    exts.add(extname(f.key));
    byDir.set(dir, exts);
  }
  return [...byDir.entries()].map(([dir, exts]) => `s3://${bucket}/${dir}/*${exts.size === 1 ? [...exts][0] : ''}`);
}

/** Uploads the files (multipart above 8 MiB, 4 parts in flight) and reports bytes as they go. */
export async function uploadFiles(s3: S3Client, bucket: string, files: readonly UploadFile[], onProgress: UploadProgress): Promise<number> {
  const total = files.reduce((s, f) => s + f.bytes, 0);
  let before = 0;
  for (const f of files) {
    const up = new Upload({ client: s3, params: { Bucket: bucket, Key: f.key, Body: createReadStream(f.path) }, queueSize: 4, partSize: 8 * 1024 * 1024, leavePartsOnError: false });
    up.on('httpUploadProgress', (p) => onProgress(before + Math.min(p.loaded ?? 0, f.bytes), total, f.key));
    await up.done();
    before += f.bytes;
    onProgress(before, total, f.key);
  }
  return total;
}
