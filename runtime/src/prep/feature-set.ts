import { createHash } from 'node:crypto';
import type { PrepParams } from './prep';

/**
 * A short hash of the data and the feature-stage parameters (the book's hparams_set_id): trials
 * with the same id saw identically prepared inputs and can be compared as one feature set.
 */
export function featureSetId(p: PrepParams, globs: { readonly train: string; readonly val: string; readonly test?: string }, onBadRow: string): string {
  const key = JSON.stringify({
    missing: p.missing ?? `on-bad-row:${onBadRow}`,
    bins: p.bins ?? 0,
    scale: p.scale ?? 'none',
    train: globs.train,
    val: globs.val,
    test: globs.test ?? null,
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
