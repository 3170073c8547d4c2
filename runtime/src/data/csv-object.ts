import { DojoError } from '../../../lib/errors';
import { isBlankLine, parseRowExact, parseRowFast, parseRowMarked, parseRowWide } from './row-parser';
import { checkHeader, CSV_HEADER, NUM_FEATURES } from './schema';
import type { ShardCursor } from './shard';
import type { ChunkStream } from './source';
import type { BadRowPolicy } from './types';

const LF = 10;
const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from([LF]);
/** A line longer than this is not a row of this schema; stop instead of buffering without bound. */
const MAX_LINE = 1 << 20;

/**
 * The batch being filled: preallocated float64 buffers (`x: [capacity, 8]`, `y: [capacity]`),
 * `rows` rows used so far. Always float64 so the parser stays monomorphic; float32 batches are
 * converted once per batch.
 */
export interface BatchBuffers {
  /** Replaced between batches when the reader hands its batches over (DatasetOptions.handOver). */
  x: Float64Array;
  y: Float64Array;
  readonly capacity: number;
  rows: number;
  /** Rows this replica owned that were skipped as bad (skip policy; mark policy: bad label or shape). */
  skipped: number;
  /** Rows kept with NaN for bad features (mark policy); absent counts as 0. */
  marked?: number;
  /**
   * When present, where the batch's skipped and marked rows were: for each skipped row the index in
   * the batch of the next kept row (`rows` when none followed yet), for each marked row its index.
   */
  positions?: { readonly skipped: number[]; readonly marked: number[] };
}

/**
 * Streams the rows of one CSV object into batches. It keeps only the current chunk and at most one
 * partial line, so memory does not depend on the object's size. Rows that belong to other replicas
 * are only scanned for their line end (Buffer.indexOf, i.e. memchr), never parsed.
 */
export class CsvObjectReader {
  /** Data rows (non-blank lines after the header) seen so far, ours or not. */
  rows = 0;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  /** The rest of a chunk that waits while a joined line (carry + its first line) is read. */
  private pending: Buffer | undefined;
  private pendingStart = 0;
  private pendingEnd = 0;
  private carry: Buffer | undefined;
  private line = 0;
  private headerSeen = false;
  private done = false;
  private readonly scratch = new Float64Array(NUM_FEATURES + 1);

  constructor(
    /** What messages call the object: a path or s3://bucket/key. */
    readonly name: string,
    private readonly chunks: ChunkStream,
    private readonly onBadRow: BadRowPolicy,
    private readonly onBytes: (n: number) => void,
  ) {}

  /**
   * Reads complete lines of the current chunk into `b` until it is full or the chunk is used up.
   * `cursor` says which rows are ours and is advanced past every data row.
   */
  readInto(b: BatchBuffers, cursor: ShardCursor): void {
    const buf = this.buf;
    const end = this.end;
    const x = b.x;
    const y = b.y;
    const capacity = b.capacity;
    let pos = this.pos;
    if (!this.headerSeen && pos < end) pos = this.readHeader(buf, pos);
    let r = b.rows;
    let line = this.line;
    let seen = this.rows;
    try {
      while (pos < end && r < capacity) {
        line++;
        if (!cursor.owned) {
          const nl = buf.indexOf(LF, pos);
          if (!isBlankLine(buf, pos, nl)) {
            seen++;
            cursor.advance();
          }
          pos = nl + 1;
          continue;
        }
        // Hot loop: rows of an owned run, parsed straight into the batch until one needs care.
        const limit = Math.min(capacity, r + cursor.runLeft);
        const r0 = r;
        let fastEnd = parseRowFast(buf, pos, x, y, r);
        while (fastEnd >= 0) {
          r++;
          pos = fastEnd + 1;
          if (r === limit || pos >= end) break;
          fastEnd = parseRowFast(buf, pos, x, y, r);
        }
        if (r > r0) {
          line += r - r0 - 1; // the loop's first line was counted above
          seen += r - r0;
          cursor.advanceBy(r - r0);
          continue;
        }
        const wideEnd = parseRowWide(buf, pos, x, y, r);
        if (wideEnd >= 0) {
          r++;
          seen++;
          cursor.advance();
          pos = wideEnd + 1;
          continue;
        }
        const nl = buf.indexOf(LF, pos);
        if (isBlankLine(buf, pos, nl)) {
          pos = nl + 1;
          continue;
        }
        seen++;
        cursor.advance();
        const lineStart = pos;
        const problem = parseRowExact(buf, pos, nl, this.scratch);
        pos = nl + 1;
        if (problem === undefined) {
          y[r] = this.scratch[0]!;
          for (let k = 0; k < NUM_FEATURES; k++) x[r * NUM_FEATURES + k] = this.scratch[k + 1]!;
          r++;
        } else if (this.onBadRow === 'skip') {
          b.skipped++;
          b.positions?.skipped.push(r);
        } else if (this.onBadRow === 'mark') {
          if (parseRowMarked(buf, lineStart, nl, this.scratch) < 0) {
            b.skipped++;
            b.positions?.skipped.push(r);
          } else {
            y[r] = this.scratch[0]!;
            for (let k = 0; k < NUM_FEATURES; k++) x[r * NUM_FEATURES + k] = this.scratch[k + 1]!;
            b.positions?.marked.push(r);
            r++;
            b.marked = (b.marked ?? 0) + 1;
          }
        } else {
          throw new DojoError('BAD_DATA', `${this.name}:${line}: ${problem} (fix the row, or skip bad rows with --on-bad-row skip)`);
        }
      }
    } finally {
      b.rows = r;
      this.pos = pos;
      this.line = line;
      this.rows = seen;
    }
  }

  /** Loads the next complete lines; false at the end of the object. */
  async fill(): Promise<boolean> {
    if (this.pending) {
      this.setRegion(this.pending, this.pendingStart, this.pendingEnd);
      this.pending = undefined;
      return true;
    }
    while (!this.done) {
      const chunk = await this.chunks.next();
      if (chunk === undefined) {
        this.done = true;
        if (this.carry && this.carry.length > 0) {
          this.setRegion(Buffer.concat([this.carry, NEWLINE]), 0, this.carry.length + 1);
          this.carry = undefined;
          return true;
        }
        break;
      }
      this.onBytes(chunk.length);
      const last = chunk.lastIndexOf(LF);
      if (last < 0) {
        this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk);
        if (this.carry.length > MAX_LINE) {
          throw new DojoError('BAD_DATA', `${this.name}:${this.line + 1}: line longer than ${MAX_LINE} bytes: not a CSV row of ${CSV_HEADER.length} numbers`);
        }
        continue;
      }
      // The chunk may be reused by the source after the next call: keep a copy of the partial tail.
      const tail = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : undefined;
      if (this.carry) {
        const first = chunk.indexOf(LF);
        const joined = Buffer.concat([this.carry, chunk.subarray(0, first + 1)]);
        this.setRegion(joined, 0, joined.length);
        if (first < last) {
          this.pending = chunk;
          this.pendingStart = first + 1;
          this.pendingEnd = last + 1;
        }
      } else {
        this.setRegion(chunk, 0, last + 1);
      }
      this.carry = tail;
      return true;
    }
    if (!this.headerSeen) {
      throw new DojoError('BAD_DATA', `${this.name}: empty object: expected the header row ${CSV_HEADER.join(',')}`);
    }
    return false;
  }

  /** Releases the underlying stream. */
  async close(): Promise<void> {
    await this.chunks.close();
  }

  private setRegion(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  private readHeader(buf: Buffer, pos: number): number {
    const nl = buf.indexOf(LF, pos);
    let start = pos;
    if (buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    let text = buf.toString('utf8', start, nl);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.line = 1;
    this.headerSeen = true;
    checkHeader(text, this.name);
    return nl + 1;
  }
}
