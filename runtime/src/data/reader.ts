import { DojoError } from '../../../lib/errors';
import { CsvObjectReader, type BatchBuffers } from './csv-object';
import { resolveGlob } from './glob';
import { NUM_FEATURES } from './schema';
import { ShardCursor, shardPlan } from './shard';
import { openObject, type ChunkStream } from './source';
import { S3Clients } from './s3';
import type { Batch, BatchReader, DatasetOptions, FloatArray, ObjectRef, ReaderStats } from './types';

/** S3 objects opened ahead of the one being parsed; each holds at most a socket's buffers. */
const S3_LOOKAHEAD = 4;

function checkOptions(o: DatasetOptions): void {
  const whole = (name: string, v: number, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) throw new DojoError('USAGE', `${name} must be a whole number >= ${min}, got ${v}`);
  };
  whole('batch size', o.batchSize, 1);
  whole('shard size', o.shardSize, 1);
  whole('world size (replicas)', o.worldSize, 1);
  whole('rank', o.rank, 0);
  if (o.rank >= o.worldSize) throw new DojoError('USAGE', `rank must be below the world size ${o.worldSize}, got ${o.rank}`);
  if (o.dtype !== 'float32' && o.dtype !== 'float64') throw new DojoError('USAGE', `dtype must be float32 or float64, got "${String(o.dtype)}"`);
  if (o.onBadRow !== 'fail' && o.onBadRow !== 'skip' && o.onBadRow !== 'mark') throw new DojoError('USAGE', `on-bad-row must be fail, skip or mark, got "${String(o.onBadRow)}"`);
}

/**
 * Opens a dataset for one replica and streams it as batches of `batchSize` rows (the book's
 * ObjectStorageDataset). Objects are read in name order; shard i (of `shardSize` rows in that
 * global order) belongs to replica i mod worldSize. With `cycle` the reader starts another pass
 * when the data ends and every batch is full; without it the last batch may be short.
 *
 * Cost of skipping other replicas' rows: in the first pass every replica streams every object and
 * finds the line ends of foreign rows with Buffer.indexOf (memchr speed, no number parsing). It
 * records each object's row count, so later passes do not download objects holding none of its rows.
 */
export async function openBatches(opts: DatasetOptions): Promise<BatchReader> {
  checkOptions(opts);
  // One set of clients per reader: its GetObjects reuse connections (the caller's, when it passed its own).
  const s3 = opts.s3 ?? new S3Clients();
  const objects = await resolveGlob(opts.glob, { s3Endpoint: opts.s3Endpoint, s3 });
  return new ObjectStorageBatchReader({ ...opts, s3 }, objects);
}

class ObjectStorageBatchReader implements BatchReader {
  readonly stats: ReaderStats = { rowsRead: 0, rowsSkipped: 0, rowsMarked: 0, bytesRead: 0, parseSeconds: 0, passes: 0 };
  private readonly buffers: BatchBuffers;
  private readonly cursor: ShardCursor;
  /** Data rows of each object, known once it was read to its end. */
  private readonly rowCounts: (number | undefined)[];
  /** Per object: whether it holds rows of ours (known after the first pass). */
  private wanted: boolean[] | undefined;
  private index = 0;
  private current: CsvObjectReader | undefined;
  /** Rows read and skipped before the current pass began (to tell whether a pass yielded any). */
  private passStartRows = 0;
  private passStartSkipped = 0;
  private finished = false;
  private closed = false;
  /** Objects opened ahead of time (S3: hides the GetObject round trip), by index. */
  private readonly ahead = new Map<number, Promise<ChunkStream>>();
  private x32: Float32Array | undefined;
  private y32: Float32Array | undefined;

  constructor(
    private readonly opts: DatasetOptions,
    private readonly objects: ObjectRef[],
  ) {
    this.buffers = {
      x: new Float64Array(opts.batchSize * NUM_FEATURES),
      y: new Float64Array(opts.batchSize),
      capacity: opts.batchSize,
      rows: 0,
      skipped: 0,
      marked: 0,
      ...(opts.onPositions ? { positions: { skipped: [], marked: [] } } : {}),
    };
    if (opts.dtype === 'float32') {
      this.x32 = new Float32Array(opts.batchSize * NUM_FEATURES);
      this.y32 = new Float32Array(opts.batchSize);
    }
    this.cursor = new ShardCursor(opts.shardSize, opts.rank, opts.worldSize);
    this.rowCounts = objects.map(() => undefined);
  }

  async next(): Promise<Batch | undefined> {
    if (this.closed) throw new DojoError('INTERNAL', 'next() called on a closed batch reader');
    if (this.finished) return undefined;
    const t0 = performance.now();
    const b = this.buffers;
    b.rows = 0;
    b.skipped = 0;
    b.marked = 0;
    const before = this.stats.rowsRead - this.passStartRows;
    try {
      while (b.rows < b.capacity) {
        if (!this.current) {
          if (!(await this.openNext())) break;
          continue;
        }
        this.current.readInto(b, this.cursor);
        if (b.rows >= b.capacity) break;
        if (!(await this.current.fill())) await this.finishObject();
      }
    } finally {
      this.stats.rowsRead += b.rows;
      this.stats.rowsSkipped += b.skipped;
      this.stats.rowsMarked += b.marked ?? 0;
      this.stats.parseSeconds += (performance.now() - t0) / 1000;
    }
    if (b.positions && this.opts.onPositions) {
      this.opts.onPositions(b.positions.skipped.map((r) => before + r), b.positions.marked.map((r) => before + r));
      b.positions.skipped.length = 0;
      b.positions.marked.length = 0;
    }
    if (b.rows === 0) return undefined;
    let x: FloatArray = b.x;
    let y: FloatArray = b.y;
    if (this.x32 && this.y32) {
      // Float32Array.set rounds each double to nearest float32, as Math.fround(Number(text)).
      this.x32.set(b.rows === b.capacity ? b.x : b.x.subarray(0, b.rows * NUM_FEATURES));
      this.y32.set(b.rows === b.capacity ? b.y : b.y.subarray(0, b.rows));
      x = this.x32;
      y = this.y32;
    }
    const out = b.rows === b.capacity ? this.batch(x, y, b.rows) : this.batch(x.subarray(0, b.rows * NUM_FEATURES), y.subarray(0, b.rows), b.rows);
    if (this.opts.handOver && !this.x32) {
      b.x = new Float64Array(b.capacity * NUM_FEATURES);
      b.y = new Float64Array(b.capacity);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    const cur = this.current;
    this.current = undefined;
    const ahead = [...this.ahead.values()];
    this.ahead.clear();
    await cur?.close();
    await Promise.all(ahead.map((p) => p.then((s) => s.close(), () => undefined)));
  }

  private batch(x: FloatArray, y: FloatArray, rows: number): Batch {
    return { x, y, rows, numFeatures: NUM_FEATURES };
  }

  /** Opens the next object of ours; at the end of a pass starts another (cycle) or ends. */
  private async openNext(): Promise<boolean> {
    const n = this.objects.length;
    while (this.wanted && this.index < n && !this.wanted[this.index]) {
      this.cursor.seek(this.cursor.row + this.rowCounts[this.index]!);
      this.index++;
    }
    if (this.index === n) return this.endPass();
    const ref = this.objects[this.index]!;
    const opening = this.ahead.get(this.index) ?? openObject(ref, this.opts.s3Endpoint, this.opts.s3);
    this.ahead.delete(this.index);
    this.openAhead();
    const stream = await opening;
    this.current = new CsvObjectReader(ref.name, stream, this.opts.onBadRow, (bytes) => (this.stats.bytesRead += bytes));
    return true;
  }

  /** Starts GetObject for the next S3 objects this replica will read, so their latency overlaps parsing. */
  private openAhead(): void {
    for (let i = this.index + 1, k = 0; i < this.objects.length && k < S3_LOOKAHEAD; i++) {
      const ref = this.objects[i]!;
      if (ref.kind !== 's3' || (this.wanted && !this.wanted[i])) continue;
      k++;
      if (this.ahead.has(i)) continue;
      const p = openObject(ref, this.opts.s3Endpoint, this.opts.s3);
      p.catch(() => undefined); // reported when awaited in openNext
      this.ahead.set(i, p);
    }
  }

  private async finishObject(): Promise<void> {
    const cur = this.current!;
    this.current = undefined;
    if (this.rowCounts[this.index] !== undefined && this.rowCounts[this.index] !== cur.rows) this.wanted = undefined;
    this.rowCounts[this.index] = cur.rows;
    this.index++;
    await cur.close();
  }

  private endPass(): boolean {
    this.stats.passes++;
    const total = this.cursor.row;
    if (!this.opts.cycle) {
      this.finished = true;
      return false;
    }
    // The batch being filled is not in stats yet.
    const rowsNow = this.stats.rowsRead + this.buffers.rows;
    const skippedNow = this.stats.rowsSkipped + this.buffers.skipped;
    if (rowsNow === this.passStartRows) {
      const { rank, worldSize, shardSize, glob } = this.opts;
      const skipped = skippedNow - this.passStartSkipped;
      const why =
        skipped > 0
          ? `all ${skipped} of its rows were skipped as bad`
          : `${glob} has ${total} rows, ${Math.ceil(total / shardSize)} shards of ${shardSize} rows; use a smaller shard size or fewer replicas`;
      throw new DojoError('BAD_DATA', `replica ${rank} of ${worldSize} gets no rows to train on: ${why}`);
    }
    const counts = this.rowCounts as number[];
    if (!this.wanted) {
      this.wanted = counts.map(() => false);
      for (const r of shardPlan(counts, this.opts.shardSize, this.opts.rank, this.opts.worldSize)) this.wanted[r.file] = true;
    }
    this.index = 0;
    this.cursor.seek(0);
    this.passStartRows = rowsNow;
    this.passStartSkipped = skippedNow;
    return true;
  }
}
