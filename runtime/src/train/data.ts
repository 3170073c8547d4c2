// Where a training run's datasets come from. `dojo train` streams them from storage on every read
// (data bigger than memory works); a worker reads them from its cache, which parsed them once for
// all of its trials. Both give the run the same batches, so the same seed and params train the same
// model either way.
import type { Collective } from '../collective/collective';
import type { DatasetCache } from '../data/cache';
import { MemoryBatchReader } from '../data/memory';
import { openBatches } from '../data/reader';
import type { S3Clients } from '../data/s3';
import type { BadRowPolicy, BatchReader, DType } from '../data/types';
import { fitPrep, PreparedReader, type FittedPrep, type Preparer, type PrepFitCache, type PrepParams } from '../prep';
import { canPrepareAhead, PreparedMemoryReader, preparedKey, prepareRows } from '../prep/prepared-rows';
import { DEFAULT_SHARD_SIZE } from './defaults';

/** One of a run's datasets. */
export type DatasetRole = 'train' | 'val' | 'test';

/** How to read a dataset for one replica. */
export interface ReadOptions {
  readonly rank: number;
  readonly worldSize: number;
  readonly batchSize: number;
  readonly policy: BadRowPolicy;
  /** Training cycles through the data; evaluation reads one pass. */
  readonly cycle: boolean;
}

/** The datasets of a training run, opened per replica. */
export interface TrainData {
  readonly dtype: DType;
  readonly hasTest: boolean;
  /** What messages call a dataset: the flag or variable that named it, and its glob. */
  label(role: DatasetRole): string;
  /**
   * This replica's batches of a dataset; with `prep`, prepared by it (as a PreparedReader would, its
   * counters included).
   */
  open(role: DatasetRole, o: ReadOptions, signal?: AbortSignal, prep?: Preparer): Promise<BatchReader>;
  /** The feature stages fitted on the training data (`o.policy` is the reader policy they need). */
  fit(p: PrepParams, o: Omit<ReadOptions, 'cycle'>, collective: Collective, signal?: AbortSignal): Promise<FittedPrep>;
}

/** Where the datasets are and how they are cut into shards. */
export interface DataGlobs {
  /** Globs of the training, validation and (optional) test CSV objects. */
  readonly train: string;
  readonly val: string;
  readonly test?: string;
  readonly dtype: DType;
  /** @default DEFAULT_SHARD_SIZE */
  readonly shardSize?: number;
  /** S3 endpoint override. @default - AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL of the S3 clients' environment */
  readonly s3Endpoint?: string;
  /** The caller's S3 clients (its environment). @default - clients from process.env, per reader */
  readonly s3?: S3Clients;
  /** How messages name the three globs. @default the `dojo train` flags (--train, --val, --test) */
  readonly labels?: Readonly<Record<DatasetRole, string>>;
}

const FLAGS: Readonly<Record<DatasetRole, string>> = { train: '--train', val: '--val', test: '--test' };

function globOf(g: DataGlobs, role: DatasetRole): string {
  const glob = role === 'train' ? g.train : role === 'val' ? g.val : g.test;
  if (glob === undefined) throw new Error(`no ${role} dataset`);
  return glob;
}

/** The datasets streamed from storage on every read (memory does not grow with the data). */
export function streamingData(g: DataGlobs): TrainData {
  const shardSize = g.shardSize ?? DEFAULT_SHARD_SIZE;
  const open = async (role: DatasetRole, o: ReadOptions, _signal?: AbortSignal, prep?: Preparer): Promise<BatchReader> => {
    const raw = await openBatches({ glob: globOf(g, role), rank: o.rank, worldSize: o.worldSize, shardSize, batchSize: o.batchSize, dtype: g.dtype, onBadRow: o.policy, cycle: o.cycle, s3Endpoint: g.s3Endpoint, s3: g.s3 });
    return prep ? new PreparedReader(raw, prep) : raw;
  };
  return {
    dtype: g.dtype,
    hasTest: g.test !== undefined,
    label: (role) => `${(g.labels ?? FLAGS)[role]} ${globOf(g, role)}`,
    open,
    fit: (p, o, collective, signal) => fitPrep(p, () => open('train', { ...o, cycle: false }), collective, signal),
  };
}

/**
 * The datasets of one run read through a process's cache: each replica shard is parsed once and
 * then served from memory (past the cache's budget it is streamed, with the same batches); the
 * feature stages' fitting statistics are kept per training data. Make one per run: it checks the
 * objects' versions once.
 */
export function cachedData(g: DataGlobs, cache: DatasetCache, fits: PrepFitCache): TrainData {
  const shardSize = g.shardSize ?? DEFAULT_SHARD_SIZE;
  const streaming = streamingData(g);
  // One look (a listing: the objects' versions) per dataset and reading for the life of this TrainData (a trial).
  const looked = new Map<string, ReturnType<DatasetCache['get']>>();
  const lookup = (role: DatasetRole, o: Pick<ReadOptions, 'rank' | 'worldSize' | 'policy'>, signal?: AbortSignal) => {
    const key = JSON.stringify([role, o.rank, o.worldSize, o.policy]);
    let found = looked.get(key);
    if (!found) {
      found = cache.get({ glob: globOf(g, role), rank: o.rank, worldSize: o.worldSize, shardSize, onBadRow: o.policy, s3Endpoint: g.s3Endpoint, s3: g.s3 }, signal);
      looked.set(key, found);
    }
    return found;
  };
  const open = async (role: DatasetRole, o: ReadOptions, signal?: AbortSignal, prep?: Preparer): Promise<BatchReader> => {
    const { rows, identity } = await lookup(role, o, signal);
    if (!rows) return streaming.open(role, o, signal, prep);
    // Prepared once per feature set and kept beside the rows (within the budget): every later batch
    // of every trial with this preparation, and every evaluation pass, is then a view. Evaluation
    // reads every row at least twice a trial, so its rows are prepared at once; a trial may read
    // fewer training rows than there are (pruned early), so those wait for a second trial of the set.
    if (prep && identity !== undefined && canPrepareAhead(rows, prep.fitted, g.dtype)) {
      const what = preparedKey(prep.fitted, g.dtype);
      if (!o.cycle || cache.wanted(identity, what) > 0) {
        const prepared = await cache.derive(identity, what, (reserve) => prepareRows(rows, prep.fitted, g.dtype, reserve));
        if (prepared) return new PreparedMemoryReader(rows, prepared, { batchSize: o.batchSize, cycle: o.cycle });
      }
    }
    const raw = new MemoryBatchReader(rows, { batchSize: o.batchSize, dtype: g.dtype, cycle: o.cycle });
    // Past the budget, prepared batch by batch into the Preparer's buffers.
    // Only reading with `mark` makes NaN features, at the rows in markAt: with none, no batch is scanned for them.
    return prep ? new PreparedReader(raw, prep, rows.markAt.length === 0) : raw;
  };
  return {
    dtype: g.dtype,
    hasTest: g.test !== undefined,
    label: streaming.label,
    open,
    fit: async (p, o, collective, signal) => {
      const { identity } = await lookup('train', o, signal);
      // The statistics are sums of the values as the run reads them (float32-rounded in float32): per dtype.
      const fitIdentity = identity === undefined ? undefined : `${identity}\n${g.dtype}`;
      return fits.fit(p, fitIdentity, () => open('train', { ...o, cycle: false }, signal), collective, signal);
    },
  };
}
