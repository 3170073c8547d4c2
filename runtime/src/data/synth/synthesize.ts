import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DojoError } from '../../../../lib/errors';
import { parseS3Url, S3Clients, s3Error } from '../s3';
import { CSV_HEADER } from '../schema';
import { writeDecimal, writeUint } from './format';
import { mix32, Rng } from './rng';
import { sampleTrip } from './trips';

/** Progress of synthesize, reported after every flushed buffer. */
export interface SynthProgress {
  readonly rowsWritten: number;
  readonly rows: number;
  readonly bytesWritten: number;
  readonly partsDone: number;
  readonly parts: number;
}

/** Options of synthesize. */
export interface SynthOptions {
  /** Total data rows over all parts. */
  readonly rows: number;
  /** Number of files `part-00000.csv`…; rows are spread evenly (the first parts get one more). */
  readonly parts: number;
  /** A directory (created if missing) or `s3://bucket/prefix`. */
  readonly out: string;
  /** @default 1 */
  readonly seed?: number;
  /** S3 endpoint override (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL). */
  readonly s3Endpoint?: string;
  readonly onProgress?: (p: SynthProgress) => void;
}

/** What synthesize wrote. */
export interface SynthResult {
  readonly files: string[];
  readonly rows: number;
  readonly bytes: number;
}

/** Formatted rows are written in buffers of this size: no string per field, no copy per row. */
const BUFFER_BYTES = 4 << 20;
/** Upper bound of one formatted row (9 fields), so a row never overflows the buffer. */
const MAX_ROW_BYTES = 160;
const HEADER = Buffer.from(CSV_HEADER.join(',') + '\n');

/** Name of part `i`: part-00000.csv. */
export function partName(i: number): string {
  return `part-${String(i).padStart(5, '0')}.csv`;
}

/** Rows in part `i` of `parts` when `rows` are spread evenly. */
export function partRows(rows: number, parts: number, i: number): number {
  return Math.floor(rows / parts) + (i < rows % parts ? 1 : 0);
}

/**
 * Generates the bytes of one part: the header, then rows from a PRNG seeded by (seed, part), so
 * every part is reproducible on its own. Yields filled buffers: copies when `copy` (consumers may
 * keep them), else views of one reused buffer, valid until the generator resumes.
 */
export function* partChunks(seed: number, part: number, rows: number, onRows?: (n: number) => void, copy = true): Generator<Buffer> {
  const rng = new Rng(mix32(seed ^ 0x2545f491), part);
  const trip = new Int32Array(9);
  const buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let pos = HEADER.copy(buf, 0);
  const limit = BUFFER_BYTES - MAX_ROW_BYTES;
  let pending = 0;
  for (let r = 0; r < rows; r++) {
    sampleTrip(rng, trip);
    pos = writeDecimal(buf, pos, trip[0]!, 2, 100);
    for (let k = 1; k <= 4; k++) {
      buf[pos++] = 44;
      pos = writeDecimal(buf, pos, trip[k]!, 6, 1e6);
    }
    for (let k = 5; k <= 8; k++) {
      buf[pos++] = 44;
      pos = writeUint(buf, pos, trip[k]!);
    }
    buf[pos++] = 10;
    pending++;
    if (pos > limit) {
      onRows?.(pending);
      pending = 0;
      yield copy ? Buffer.from(buf.subarray(0, pos)) : buf.subarray(0, pos);
      pos = 0;
    }
  }
  onRows?.(pending);
  if (pos > 0) yield copy ? Buffer.from(buf.subarray(0, pos)) : buf.subarray(0, pos);
}

/**
 * Writes a deterministic synthetic DC-taxi dataset with the real schema: `parts` CSV files
 * `part-00000.csv`… under a directory or an S3 prefix. The same (rows, parts, seed) always gives
 * the same bytes.
 */
export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const { rows, parts, out } = opts;
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new DojoError('USAGE', `--rows must be a whole number >= 0, got ${rows}`);
  if (!Number.isSafeInteger(parts) || parts < 1) throw new DojoError('USAGE', `--parts must be a whole number >= 1, got ${parts}`);
  if (!Number.isSafeInteger(seed)) throw new DojoError('USAGE', `--seed must be a whole number, got ${seed}`);
  const files: string[] = [];
  let rowsWritten = 0;
  let bytes = 0;
  const report = (partsDone: number): void =>
    opts.onProgress?.({ rowsWritten, rows, bytesWritten: bytes, partsDone, parts });
  const s3 = out.startsWith('s3://') ? parseS3Url(out) : undefined;
  const clients = new S3Clients();
  if (!s3) await mkdir(out, { recursive: true });
  for (let i = 0; i < parts; i++) {
    const n = partRows(rows, parts, i);
    // Local writes are awaited before the generator resumes, so they can use its buffer in place.
    const counted = function* (copy: boolean): Generator<Buffer> {
      for (const chunk of partChunks(seed, i, n, (k) => (rowsWritten += k), copy)) {
        bytes += chunk.length;
        yield chunk;
        report(i);
      }
    };
    if (s3) {
      const prefix = s3.key === '' || s3.key.endsWith('/') ? s3.key : `${s3.key}/`;
      const key = prefix + partName(i);
      await uploadPart(clients, s3.bucket, key, counted(true), opts.s3Endpoint);
      files.push(`s3://${s3.bucket}/${key}`);
    } else {
      const path = join(out, partName(i));
      const fh = await open(path, 'w').catch((e: NodeJS.ErrnoException) => {
        throw new DojoError('USAGE', `${path}: cannot write (${e.code ?? e.message}); check --out`, { cause: e });
      });
      try {
        for (const chunk of counted(false)) await fh.write(chunk);
      } finally {
        await fh.close();
      }
      files.push(path);
    }
    report(i + 1);
  }
  return { files, rows: rowsWritten, bytes };
}

async function uploadPart(clients: S3Clients, bucket: string, key: string, chunks: Iterable<Buffer>, endpointOption?: string): Promise<void> {
  const endpoint = clients.endpoint(endpointOption);
  try {
    // Loaded here: writing local files (the demo) never loads the S3 SDK.
    const { Upload } = await import('@aws-sdk/lib-storage');
    await new Upload({
      client: await clients.client(endpoint),
      params: { Bucket: bucket, Key: key, Body: Readable.from(chunks), ContentType: 'text/csv' },
      partSize: 8 << 20,
      queueSize: 2,
    }).done();
  } catch (e) {
    throw s3Error(e, bucket, `writing s3://${bucket}/${key}`, endpoint);
  }
}
