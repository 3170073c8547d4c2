// Fits of the feature stages kept by a process across its runs (a worker's trials). Every setting
// fitted on the same training data derives from the same statistics (exact sums, sums of squares
// and counts per feature), so those are computed once per training data and each setting's fit is
// made from them: a study's feature sets cost one fitting pass per worker, not one per setting.
import type { Collective } from '../collective/collective';
import type { BatchReader } from '../data/types';
import { fitPrep, fitStats, type FitStats } from './fit';
import { fitFromStats, prepNeedsFit, type FittedPrep, type PrepParams } from './prep';

/** How many training datasets' statistics are kept (each is 24 numbers). */
const MAX_STATS = 64;

/**
 * The fitting statistics of one owner, by training data identity. Replicas agree before reusing
 * them (one tiny allreduce): if any of them lacks them, all make them again together, since they
 * sum over every replica's shard.
 */
export class PrepFitCache {
  private readonly stats = new Map<string, FitStats>();

  /** Fits made from kept statistics instead of a pass over the data, so far. */
  reused = 0;

  /**
   * The fit of `p` on the training data named by `dataIdentity` (undefined: not cacheable, always
   * fitted); `open` opens one pass of this replica's training rows when a pass is needed.
   */
  async fit(p: PrepParams, dataIdentity: string | undefined, open: () => Promise<BatchReader>, collective: Collective, signal?: AbortSignal): Promise<FittedPrep> {
    // Without a fitting pass the fit is a constant: nothing to keep, nothing to agree on.
    if (!prepNeedsFit(p)) return fitPrep(p, open, collective, signal);
    const kept = dataIdentity === undefined ? undefined : this.stats.get(dataIdentity);
    let everyoneHasThem = kept !== undefined;
    if (collective.worldSize > 1) {
      const have = new Float64Array([kept ? 1 : 0]);
      await collective.allreduce(have, 'sum');
      everyoneHasThem = have[0] === collective.worldSize;
    }
    let stats: FitStats;
    if (everyoneHasThem && kept) {
      this.reused++;
      stats = kept;
    } else {
      stats = await fitStats(open, collective, signal);
      if (dataIdentity !== undefined) {
        if (this.stats.size >= MAX_STATS) this.stats.delete(this.stats.keys().next().value!);
        this.stats.set(dataIdentity, stats);
      }
    }
    return fitFromStats(p, stats.sum, stats.sumSq, stats.count);
  }
}
