import { openBatches } from '../data';
import type { BadRowPolicy, DatasetOptions } from '../data/types';
import { NUM_FEATURES } from '../data/schema';
import type { Collective } from '../dist/collective';
import { fitFromStats, prepNeedsFit, type FittedPrep, type PrepParams } from './prep';

/** The reader policy a preparation needs: `mark` when a missing stage handles bad features, else the CLI's. */
export function readerPolicy(p: PrepParams, fallback: BadRowPolicy): BadRowPolicy {
  return p.missing !== undefined ? 'mark' : fallback;
}

/**
 * Fits the preparation on the training data: when imputation means or scaling statistics are
 * needed, one pass over this replica's training shards sums each feature's finite values (and
 * squares, and counts); one allreduce makes the sums global, so every replica fits the same prep.
 */
export async function fitPrep(
  p: PrepParams,
  data: Omit<DatasetOptions, 'cycle' | 'rank' | 'worldSize'>,
  collective: Collective,
  signal?: AbortSignal,
): Promise<FittedPrep> {
  const acc = new Float64Array(3 * NUM_FEATURES);
  if (prepNeedsFit(p)) {
    const reader = await openBatches({ ...data, rank: collective.rank, worldSize: collective.worldSize, cycle: false });
    try {
      for (let b = await reader.next(); b; b = await reader.next()) {
        signal?.throwIfAborted();
        const { x, rows } = b;
        for (let r = 0; r < rows; r++) {
          const base = r * NUM_FEATURES;
          for (let k = 0; k < NUM_FEATURES; k++) {
            const v = x[base + k]!;
            if (v === v) {
              acc[k] += v;
              acc[NUM_FEATURES + k] += v * v;
              acc[2 * NUM_FEATURES + k] += 1;
            }
          }
        }
      }
    } finally {
      await reader.close();
    }
    if (collective.worldSize > 1) await collective.allreduce(acc, 'sum');
  }
  return fitFromStats(p, acc.subarray(0, NUM_FEATURES), acc.subarray(NUM_FEATURES, 2 * NUM_FEATURES), acc.subarray(2 * NUM_FEATURES));
}
