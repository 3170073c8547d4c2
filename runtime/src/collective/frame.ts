import type { FloatArray } from '../data/types';

/**
 * Wire format of the collective: every message is one frame, a fixed 16-byte little-endian header
 * followed by `length` payload bytes. Tensors travel as the raw bytes of their typed array (no JSON),
 * so a 1,331-parameter float64 gradient is one 10,664-byte frame.
 *
 * ```
 * offset size field
 *  0     4    magic   0x4F4A4F44 ("DOJO" on the wire)
 *  4     1    version 1
 *  5     1    op      Op below
 *  6     1    dtype   DTypeCode below
 *  7     1    flags   0 (reserved)
 *  8     4    seq     the collective operation's sequence number
 * 12     4    length  payload bytes (a multiple of the dtype's element size)
 * ```
 */
export const FRAME_HEADER_BYTES = 16;
/** "DOJO" read as a little-endian uint32. */
export const FRAME_MAGIC = 0x4f4a4f44;
/** Bumped on any incompatible change of the wire format. */
export const FRAME_VERSION = 1;
/** Default upper bound on one frame's payload: a bigger length is garbage, not a tensor. */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** What a frame means. */
export const Op = {
  /** Non-root → root on connect: u32 rank, u32 worldSize, utf-8 trial label. */
  hello: 1,
  /** Root → non-root: the rendezvous is complete. */
  welcome: 2,
  /** Root → a connecting replica: join refused, utf-8 reason. */
  reject: 3,
  /** Non-root → root: this replica's contribution to an allreduce. */
  reduce: 4,
  /** Root → non-root: the allreduce result. */
  result: 5,
  /** Tensor of a broadcast (source → root, root → the others). */
  bcast: 6,
  /** Barrier arrival (non-root → root) and release (root → non-root). */
  barrier: 7,
  /** Liveness only; carries nothing. */
  heartbeat: 8,
  /** A replica was lost: u32 lost rank, utf-8 reason; everyone stops. */
  abort: 9,
  /** Orderly close: the sender is done, its disconnect is not a loss. */
  bye: 10,
} as const;
/** A frame's op code. */
export type OpCode = (typeof Op)[keyof typeof Op];
const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));

/** Element type of a frame's payload. */
export const DTypeCode = { bytes: 0, float32: 1, float64: 2 } as const;
/** A payload dtype code. */
export type DTypeCodeValue = (typeof DTypeCode)[keyof typeof DTypeCode];
const ELEMENT_BYTES: Record<number, number> = { 0: 1, 1: 4, 2: 8 };

/** A decoded frame header. */
export interface FrameHeader {
  readonly op: OpCode;
  readonly dtype: DTypeCodeValue;
  readonly seq: number;
  readonly length: number;
}

/** A whole frame: header plus payload bytes. */
export interface Frame extends FrameHeader {
  readonly payload: Buffer;
}

/** The name of an op code, for messages. */
export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `unknown op ${op}`;
}

/** The dtype code of a typed array. */
export function dtypeCodeOf(buf: FloatArray): DTypeCodeValue {
  return buf instanceof Float64Array ? DTypeCode.float64 : DTypeCode.float32;
}

/** The dtype name of a code, for messages. */
export function dtypeName(code: number): string {
  return code === DTypeCode.float64 ? 'float64' : code === DTypeCode.float32 ? 'float32' : 'bytes';
}

/** Encodes one frame into a single buffer (one socket write, one syscall). The payload is copied. */
export function encodeFrame(op: OpCode, seq: number, dtype: DTypeCodeValue, payload?: Uint8Array): Buffer {
  const length = payload?.byteLength ?? 0;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  out[4] = FRAME_VERSION;
  out[5] = op;
  out[6] = dtype;
  out[7] = 0;
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(length, 12);
  if (payload && length > 0) out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Encodes a frame whose payload is a typed array's bytes. */
export function encodeTensorFrame(op: OpCode, seq: number, buf: FloatArray): Buffer {
  return encodeFrame(op, seq, dtypeCodeOf(buf), new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/**
 * Validates a header; returns the reason it is not a frame of ours, or undefined when it is.
 * Nothing is trusted: a wrong magic, version, op, dtype, flag or an oversized or ragged length is garbage.
 */
export function checkHeader(h: Buffer, maxFrameBytes: number): string | undefined {
  const magic = h.readUInt32LE(0);
  if (magic !== FRAME_MAGIC) return `bad magic 0x${magic.toString(16).padStart(8, '0')} (not a dojo collective frame)`;
  if (h[4] !== FRAME_VERSION) return `unsupported frame version ${h[4]} (this build speaks ${FRAME_VERSION})`;
  if (!OP_NAMES.has(h[5]!)) return `unknown op ${h[5]}`;
  const dtype = h[6]!;
  if (!(dtype in ELEMENT_BYTES)) return `unknown dtype ${dtype}`;
  if (h[7] !== 0) return `reserved flags ${h[7]} are not zero`;
  const length = h.readUInt32LE(12);
  if (length > maxFrameBytes) return `frame of ${length} bytes exceeds the limit of ${maxFrameBytes}`;
  if (length % ELEMENT_BYTES[dtype]! !== 0) return `${length} payload bytes are not a whole number of ${dtypeName(dtype)} values`;
  return undefined;
}

/**
 * Reassembles frames from a byte stream (TCP delivers arbitrary chunks). `push` returns the frames
 * completed by a chunk; after the first invalid header the decoder is poisoned and reports the
 * reason instead, because the stream can no longer be trusted to be aligned on frames.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: FrameHeader | undefined;
  private failure: string | undefined;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** The reason the stream was rejected, once it has been. */
  get error(): string | undefined {
    return this.failure;
  }

  /** Feeds a chunk; returns the frames it completes (empty after an error). */
  push(chunk: Buffer): Frame[] {
    if (this.failure !== undefined) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (!this.header) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const h = this.take(FRAME_HEADER_BYTES);
        const bad = checkHeader(h, this.maxFrameBytes);
        if (bad !== undefined) {
          this.failure = bad;
          this.chunks = [];
          this.buffered = 0;
          return [];
        }
        this.header = { op: h[5] as OpCode, dtype: h[6] as DTypeCodeValue, seq: h.readUInt32LE(8), length: h.readUInt32LE(12) };
      }
      if (this.buffered < this.header.length) break;
      frames.push({ ...this.header, payload: this.take(this.header.length) });
      this.header = undefined;
    }
    return frames;
  }

  /** Removes n buffered bytes (n <= buffered), copying only when they span chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** Encodes the hello payload: who is joining, into which world, for which trial. */
export function encodeHello(rank: number, worldSize: number, label: string): Uint8Array {
  const text = Buffer.from(label, 'utf8');
  const out = Buffer.allocUnsafe(8 + text.length);
  out.writeUInt32LE(rank, 0);
  out.writeUInt32LE(worldSize, 4);
  text.copy(out, 8);
  return out;
}

/** Decodes a hello payload, or undefined when it is too short to be one. */
export function decodeHello(p: Buffer): { rank: number; worldSize: number; label: string } | undefined {
  if (p.length < 8) return undefined;
  return { rank: p.readUInt32LE(0), worldSize: p.readUInt32LE(4), label: p.subarray(8).toString('utf8') };
}

/** Encodes an abort payload: the lost rank and the reason. */
export function encodeAbort(lostRank: number, reason: string): Uint8Array {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.allocUnsafe(4 + text.length);
  out.writeUInt32LE(lostRank, 0);
  text.copy(out, 4);
  return out;
}

/** Decodes an abort payload. */
export function decodeAbort(p: Buffer): { lostRank: number; reason: string } {
  if (p.length < 4) return { lostRank: 0, reason: 'aborted (malformed abort frame)' };
  return { lostRank: p.readUInt32LE(0), reason: p.subarray(4).toString('utf8') };
}

/**
 * Copies a frame payload into a typed array, checking the dtype and length first. Returns the
 * mismatch as text (the caller turns it into a protocol error) or undefined when copied.
 */
export function copyPayloadInto(frame: Frame, dst: FloatArray): string | undefined {
  const want = dtypeCodeOf(dst);
  if (frame.dtype !== want || frame.payload.length !== dst.byteLength) {
    const got = frame.payload.length / (ELEMENT_BYTES[frame.dtype] ?? 1);
    return `sent ${got} ${dtypeName(frame.dtype)} values, expected ${dst.length} ${dtypeName(want)}`;
  }
  new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(frame.payload);
  return undefined;
}
