import { BATCH_LIMITS, type Metric, type Param, type RunTag } from './types';

/** What one logBatch call carries before splitting. */
export interface Batch {
  metrics?: readonly Metric[];
  params?: readonly Param[];
  tags?: readonly RunTag[];
}

/** One log-batch request within MLflow's limits. */
export interface BatchPart {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/**
 * Splits a batch into parts within MLflow's limits (1000 metrics, 100 params, 100 tags, 1000
 * entries in all), in order: params and tags go first so a run's configuration lands before its
 * metrics. An empty batch gives no part.
 */
export function splitBatch(b: Batch): BatchPart[] {
  const metrics = b.metrics ?? [];
  const params = b.params ?? [];
  const tags = b.tags ?? [];
  const parts: BatchPart[] = [];
  let mi = 0;
  let pi = 0;
  let ti = 0;
  while (mi < metrics.length || pi < params.length || ti < tags.length) {
    const p = params.slice(pi, pi + BATCH_LIMITS.params);
    const t = tags.slice(ti, ti + BATCH_LIMITS.tags);
    const room = Math.min(BATCH_LIMITS.metrics, BATCH_LIMITS.total - p.length - t.length);
    const m = metrics.slice(mi, mi + room);
    parts.push({ metrics: [...m], params: [...p], tags: [...t] });
    pi += p.length;
    ti += t.length;
    mi += m.length;
  }
  return parts;
}
