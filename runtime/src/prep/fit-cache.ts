// Fitted preparations kept by a process across its runs (a worker's trials): each distinct
// feature-stage setting is fitted once on a given training dataset and reused by later trials.
import type { Collective } from '../collective/collective';
import type { BatchReader } from '../data/types';
import { fitPrep } from './fit';
import { prepNeedsFit, type FittedPrep, type PrepParams } from './prep';

/** How many fits are kept (each is a few numbers; trials of a study use a handful of settings). */
const MAX_FITS = 256;

/**
 * The fitted preparations of one owner, by setting and training data identity. Replicas agree
 * before reusing a fit (one tiny allreduce): if any of them lacks it, all fit again together, since
 * fitting sums over every replica's shard.
 */
export class PrepFitCache {
  private readonly fits = new Map<string, FittedPrep>();

  /** Fits that were reused instead of computed, so far. */
  reused = 0;

  /**
   * The fit of `p` on the training data named by `dataIdentity` (undefined: not cacheable, always
   * fitted); `open` opens one pass of this replica's training rows when a fit is needed.
   */
  async fit(p: PrepParams, dataIdentity: string | undefined, open: () => Promise<BatchReader>, collective: Collective, signal?: AbortSignal): Promise<FittedPrep> {
    // Without a fitting pass the fit is a constant: nothing to keep, nothing to agree on.
    if (!prepNeedsFit(p)) return fitPrep(p, open, collective, signal);
    const key = dataIdentity === undefined ? undefined : `${JSON.stringify([p.missing ?? null, p.bins ?? 0, p.scale ?? 'none'])}\n${dataIdentity}`;
    const kept = key === undefined ? undefined : this.fits.get(key);
    let everyoneHasIt = kept !== undefined;
    if (collective.worldSize > 1) {
      const have = new Float64Array([kept ? 1 : 0]);
      await collective.allreduce(have, 'sum');
      everyoneHasIt = have[0] === collective.worldSize;
    }
    if (everyoneHasIt && kept) {
      this.reused++;
      return kept;
    }
    const fitted = await fitPrep(p, open, collective, signal);
    if (key !== undefined) {
      if (this.fits.size >= MAX_FITS) this.fits.delete(this.fits.keys().next().value!);
      this.fits.set(key, fitted);
    }
    return fitted;
  }
}
