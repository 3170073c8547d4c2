import { openBatches } from '../data';
import type { BadRowPolicy, BatchReader, DatasetOptions } from '../data/types';
import { NUM_FEATURES } from '../data/schema';
import type { Collective } from '../collective/collective';
import { DojoError } from '../../../lib/errors';
import { EXACT_SUM_MAX_REPLICAS, ExactSums } from './exact-sum';
import { fitFromStats, prepNeedsFit, type FittedPrep, type PrepParams } from './prep';

/** The reader policy a preparation needs: `mark` when a missing stage handles bad features, else the CLI's. */
export function readerPolicy(p: PrepParams, fallback: BadRowPolicy): BadRowPolicy {
  return p.missing !== undefined ? 'mark' : fallback;
}

/** Exact per-feature statistics of the training set (all replicas): sums, sums of squares and counts of the finite values. */
export interface FitStats {
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly count: Float64Array;
}

/**
 * Fits the preparation on the training data: when imputation means or scaling statistics are
 * needed, one pass over this replica's training shards sums each feature's finite values and their
 * squares exactly (`ExactSums`), and counts them; one allreduce of the exact state makes the sums
 * global. The totals are rounded once, after the allreduce, so every replica — and any world size or
 * shard assignment — fits bit-identical means, centres and spreads. `data` says where the training
 * data is, or opens one pass of this replica's training rows (e.g. from memory).
 */
export async function fitPrep(
  p: PrepParams,
  data: Omit<DatasetOptions, 'cycle' | 'rank' | 'worldSize'> | (() => Promise<BatchReader>),
  collective: Collective,
  signal?: AbortSignal,
): Promise<FittedPrep> {
  if (!prepNeedsFit(p)) {
    const none = new Float64Array(NUM_FEATURES);
    return fitFromStats(p, none, none, none);
  }
  const open = typeof data === 'function' ? data : () => openBatches({ ...data, rank: collective.rank, worldSize: collective.worldSize, cycle: false });
  const stats = await fitStats(open, collective, signal);
  return fitFromStats(p, stats.sum, stats.sumSq, stats.count);
}

/**
 * The statistics every fit of the same training data derives from (whatever its stages): one pass
 * over this replica's rows and one allreduce; every replica gets the same, bit for bit.
 */
export async function fitStats(open: () => Promise<BatchReader>, collective: Collective, signal?: AbortSignal): Promise<FitStats> {
  const sums = new ExactSums(2 * NUM_FEATURES);
  const count = new Float64Array(NUM_FEATURES);
  if (collective.worldSize > EXACT_SUM_MAX_REPLICAS) {
    throw new DojoError('USAGE', `fitting the feature stages: ${collective.worldSize} replicas exceed the ${EXACT_SUM_MAX_REPLICAS} whose exact sums one f64 allreduce can combine`);
  }
  const reader = await open();
  try {
    for (let b = await reader.next(); b; b = await reader.next()) {
      signal?.throwIfAborted();
      // Column by column: each feature's sums stay in registers. A square rounds per value, the
      // same way wherever its row is read, so its sum is as partition independent as the values'.
      for (let k = 0; k < NUM_FEATURES; k++) count[k] += sums.addColumn(b.x, k, NUM_FEATURES, b.rows, k, NUM_FEATURES + k);
    }
  } finally {
    await reader.close();
  }
  // Limbs must be carried (< 2^32 each) before the elementwise f64 sum over replicas is exact.
  sums.normalize();
  if (collective.worldSize > 1) {
    await collective.allreduce(sums.state, 'sum');
    await collective.allreduce(count, 'sum');
  }
  const sum = Float64Array.from({ length: NUM_FEATURES }, (_, k) => sums.round(k));
  const sumSq = Float64Array.from({ length: NUM_FEATURES }, (_, k) => sums.round(NUM_FEATURES + k));
  return { sum, sumSq, count };
}
