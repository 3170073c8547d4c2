import type { S3Clients } from './s3';

/** Numeric precision of training buffers. */
export type DType = 'float32' | 'float64';

/** A typed array of the training dtype. */
export type FloatArray = Float32Array | Float64Array;

/**
 * What to do with a row that does not parse: stop with file:line, or skip and count it; `mark`
 * (for the `missing` data-preparation stage) keeps a row whose only problems are feature values,
 * writing NaN for each bad feature and counting the row, and skips (counts) the rest.
 */
export type BadRowPolicy = 'fail' | 'skip' | 'mark';

/**
 * A batch of rows, row-major: `x: [rows, numFeatures]`, `y: [rows]`. The reader may reuse these
 * buffers when `next()` is called again: consume a batch before asking for the next one.
 */
export interface Batch {
  readonly x: FloatArray;
  readonly y: FloatArray;
  readonly rows: number;
  readonly numFeatures: number;
  /**
   * Binned features kept sparse (prepared batches only): `x` then holds just the `dense` leading
   * columns per row, `[rows, dense]`, and `index: [rows, perRow]` the columns (dense ≤ i < numFeatures)
   * that are 1; every other column is 0.
   */
  readonly sparse?: { readonly dense: number; readonly perRow: number; readonly index: Int32Array };
}

/** Counters a reader keeps while it streams (for metrics and the final JSON line). */
export interface ReaderStats {
  rowsRead: number;
  rowsSkipped: number;
  /** Rows kept with NaN in place of bad features (policy `mark`). */
  rowsMarked: number;
  bytesRead: number;
  /** Wall-clock seconds spent reading and parsing. */
  parseSeconds: number;
  /** Completed passes over this replica's shards. */
  passes: number;
}

/** Where and how to read a dataset. */
export interface DatasetOptions {
  /** `s3://bucket/prefix/part*.csv`, `file:///abs/dir/part*.csv` or a plain path glob. */
  readonly glob: string;
  /** This replica's rank and the number of replicas: shard i goes to replica i mod worldSize. */
  readonly rank: number;
  readonly worldSize: number;
  /** Rows per shard (the book's shard_size). */
  readonly shardSize: number;
  readonly batchSize: number;
  readonly dtype: DType;
  readonly onBadRow: BadRowPolicy;
  /** Start another pass when the data ends (training), or end (evaluation). */
  readonly cycle: boolean;
  /** S3 endpoint override (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the SDK default). */
  readonly s3Endpoint?: string;
  /** The caller's S3 clients (its environment). @default - new clients from process.env, for this reader */
  readonly s3?: S3Clients;
  /**
   * Without `cycle`: called after each batch with where its skipped and marked rows were, as row
   * numbers of the pass (rows kept before them); see BatchBuffers.positions. Lets a copy of the data
   * count them as the stream would. @default - not recorded
   */
  readonly onPositions?: (skipped: readonly number[], marked: readonly number[]) => void;
  /**
   * Float64 only: each batch's arrays become the caller's and the reader fills fresh ones next
   * (a copy of the data keeps them without copying). @default false (the buffers are reused)
   */
  readonly handOver?: boolean;
}

/** Streams batches of a dataset; memory does not grow with the data. */
export interface BatchReader {
  /** The next batch, or undefined when the data is exhausted and `cycle` is false. */
  next(): Promise<Batch | undefined>;
  readonly stats: Readonly<ReaderStats>;
  close(): Promise<void>;
  /** Starts another pass with fresh counts; only readers of in-memory data have it (evaluation reuses them). */
  rewind?(): void;
}

/**
 * One object (file) a glob resolved to. `name` is what messages show: a path or `s3://bucket/key`.
 * `version` changes whenever the object's content does: size and modification time (ns) for a
 * file, the ETag for an S3 object.
 */
export type ObjectRef =
  | { readonly kind: 'file'; readonly name: string; readonly path: string; readonly size: number; readonly version: string }
  | { readonly kind: 's3'; readonly name: string; readonly bucket: string; readonly key: string; readonly size: number; readonly version: string };

/** Options of resolveGlob and the S3 client. */
export interface ResolveOptions {
  /** S3 endpoint override (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the SDK default). */
  readonly s3Endpoint?: string;
  /** The caller's S3 clients (its environment). @default - new clients from process.env, for this call */
  readonly s3?: S3Clients;
}
