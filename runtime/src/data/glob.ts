import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BigIntStats } from 'node:fs';
import picomatch from 'picomatch';
import { DojoError } from '../../../lib/errors';
import { listS3, parseS3Url, S3Clients } from './s3';
import type { ObjectRef, ResolveOptions } from './types';

/** The literal start of an S3 key glob, used as the ListObjectsV2 prefix (S3 prefixes are plain strings). */
export function literalPrefix(glob: string): string {
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if ('*?[{\\!'.includes(c)) return glob.slice(0, i);
    if ((c === '+' || c === '@') && glob[i + 1] === '(') return glob.slice(0, i);
  }
  return glob;
}

/** Byte-wise order, the order S3 lists keys in; deterministic everywhere. */
function byName(a: ObjectRef, b: ObjectRef): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

/**
 * Resolves `s3://bucket/prefix/part*.csv`, `file:///abs/dir/part*.csv` or a plain path glob to the
 * matching objects, sorted by name (the global row order of sharding). `*` does not cross `/`; `**`
 * does. Throws NOT_FOUND `no objects match <glob>` when nothing matches.
 */
export async function resolveGlob(glob: string, opts: ResolveOptions = {}): Promise<ObjectRef[]> {
  const refs = glob.startsWith('s3://') ? await resolveS3(glob, opts) : await resolveLocal(glob);
  if (refs.length === 0) throw new DojoError('NOT_FOUND', `no objects match ${glob}`);
  return refs.sort(byName);
}

async function resolveS3(glob: string, opts: ResolveOptions): Promise<ObjectRef[]> {
  const { bucket, key } = parseS3Url(glob);
  const clients = opts.s3 ?? new S3Clients();
  const endpoint = clients.endpoint(opts.s3Endpoint);
  const isMatch = picomatch(key);
  const listed = await listS3(clients, bucket, literalPrefix(key), endpoint);
  return listed
    .filter((o) => isMatch(o.key))
    .map((o) => ({ kind: 's3' as const, name: `s3://${bucket}/${o.key}`, bucket, key: o.key, size: o.size, version: o.etag }));
}

/** The absolute path glob of a `file://` URL or a plain (relative or absolute) path glob. */
export function localPattern(glob: string): string {
  if (glob.startsWith('file://')) {
    const p = glob.slice('file://'.length);
    if (!p.startsWith('/')) throw new DojoError('USAGE', `"${glob}" is not an absolute file URL: expected file:///abs/dir/part*.csv`);
    return decodeURI(p);
  }
  return resolve(glob);
}

async function resolveLocal(glob: string): Promise<ObjectRef[]> {
  const pattern = localPattern(glob);
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) {
    const st = await stat(pattern, { bigint: true }).catch(() => undefined);
    return st?.isFile() ? [fileRef(pattern, st)] : [];
  }
  const base = scan.base || '/';
  const isMatch = picomatch(scan.glob, { dot: false });
  const maxDepth = scan.isGlobstar || scan.glob.includes('**') ? Infinity : scan.glob.split('/').length;
  const out: ObjectRef[] = [];
  await walk(base, '', 1, maxDepth, isMatch, out);
  return out;
}

function fileRef(path: string, st: BigIntStats): ObjectRef {
  return { kind: 'file', name: path, path, size: Number(st.size), version: `${st.size}:${st.mtimeNs}` };
}

async function walk(
  base: string,
  rel: string,
  depth: number,
  maxDepth: number,
  isMatch: (p: string) => boolean,
  out: ObjectRef[],
): Promise<void> {
  const dir = rel ? join(base, rel) : base;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const full = join(base, r);
    if (e.isDirectory() && depth < maxDepth) await walk(base, r, depth + 1, maxDepth, isMatch, out);
    else if ((e.isFile() || e.isSymbolicLink()) && isMatch(r)) {
      const st = await stat(full, { bigint: true }).catch(() => undefined);
      if (st?.isFile()) out.push(fileRef(full, st));
    }
  }
}
