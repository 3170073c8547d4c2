import { open } from 'node:fs/promises';
import { DojoError } from '../../../lib/errors';
import { getS3Stream, S3Clients, s3Error } from './s3';
import type { ObjectRef } from './types';

/**
 * The bytes of one object, chunk by chunk. A chunk is valid only until the next call to next():
 * sources may reuse their buffer, so consumers copy whatever they keep.
 */
export interface ChunkStream {
  /** The next chunk, or undefined at the end of the object. */
  next(): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** Local reads alternate between two 1 MiB buffers: no allocation per chunk. */
const FILE_CHUNK = 1 << 20;

/** Opens an object (local file or S3 object, streamed) for reading, with the caller's S3 clients. */
export async function openObject(ref: ObjectRef, s3EndpointOption?: string, s3: S3Clients = new S3Clients()): Promise<ChunkStream> {
  return ref.kind === 'file' ? openFile(ref.path) : openS3(s3, ref.bucket, ref.key, s3.endpoint(s3EndpointOption));
}

/**
 * Reads a file one chunk ahead: while the caller parses one buffer, the next read already runs on
 * the libuv thread pool, so the parsing thread does not sit idle waiting for the disk.
 */
async function openFile(path: string): Promise<ChunkStream> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new DojoError('NOT_FOUND', `${path}: cannot open (${e.code ?? e.message})`, { cause: e });
  });
  const buffers = [Buffer.allocUnsafe(FILE_CHUNK), Buffer.allocUnsafe(FILE_CHUNK)];
  let turn = 0;
  let closed = false;
  let eof = false;
  const readInto = (buf: Buffer): Promise<Buffer | undefined> =>
    fh.read(buf, 0, buf.length, null).then(({ bytesRead }) => {
      if (bytesRead === 0) eof = true;
      return bytesRead > 0 ? buf.subarray(0, bytesRead) : undefined;
    });
  let inflight: Promise<Buffer | undefined> | undefined = readInto(buffers[0]!);
  inflight.catch(() => undefined); // reported by next()
  return {
    async next() {
      if (closed || !inflight) return undefined;
      const chunk = await inflight;
      inflight = undefined;
      if (chunk && !eof) {
        // The previous chunk is released by this call (ChunkStream contract): reuse its buffer.
        turn ^= 1;
        inflight = readInto(buffers[turn]!);
        inflight.catch(() => undefined);
      }
      return chunk;
    },
    async close() {
      if (!closed) {
        closed = true;
        await inflight?.catch(() => undefined);
        await fh.close();
      }
    },
  };
}

/** S3 socket chunks (often 16-64 KiB) are gathered into this much before parsing. */
const S3_GATHER = 512 << 10;

/**
 * Streams a GetObject body, gathering the socket's small chunks into two alternating 1 MiB buffers
 * (one memcpy, which is cheap): the parser then sees large regions, with few partial lines to join.
 */
async function openS3(clients: S3Clients, bucket: string, key: string, endpoint?: string): Promise<ChunkStream> {
  const body = await getS3Stream(clients, bucket, key, endpoint);
  const it = (body as AsyncIterable<Buffer | Uint8Array | string>)[Symbol.asyncIterator]();
  const buffers = [Buffer.allocUnsafe(FILE_CHUNK), Buffer.allocUnsafe(FILE_CHUNK)];
  let turn = 0;
  let left: Buffer | undefined; // the part of a socket chunk that did not fit last time
  let done = false;
  const pull = async (): Promise<Buffer | undefined> => {
    try {
      const r = await it.next();
      if (r.done) return undefined;
      const v = r.value;
      return typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    } catch (e) {
      throw s3Error(e, bucket, `reading s3://${bucket}/${key}`, endpoint);
    }
  };
  return {
    async next() {
      const out = buffers[turn]!;
      turn ^= 1;
      let n = 0;
      while (n < S3_GATHER) {
        const chunk = left ?? (done ? undefined : await pull());
        left = undefined;
        if (!chunk) {
          done = true;
          break;
        }
        const take = Math.min(chunk.length, out.length - n);
        chunk.copy(out, n, 0, take);
        n += take;
        if (take < chunk.length) left = chunk.subarray(take);
      }
      return n > 0 ? out.subarray(0, n) : undefined;
    },
    async close() {
      done = true;
      (body as unknown as { destroy?: () => void }).destroy?.();
    },
  };
}
