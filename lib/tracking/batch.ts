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

/**
 * The metrics of one request with exact repeats (same key, timestamp, step and value, NaN equal
 * to NaN) kept once. MLflow's SQL store keeps such a point once anyway, but its de-duplication
 * compares values with `==`, so a batch repeating a NaN point inserts it twice and is refused
 * whole (400, UNIQUE constraint failed); sending each point once gives the same stored history.
 */
export function distinctPoints(metrics: Metric[]): Metric[] {
  if (metrics.length < 2) return metrics;
  const seen = new Set<string>();
  const out: Metric[] = [];
  for (const m of metrics) {
    const id = `${m.timestamp} ${m.step} ${Number.isNaN(m.value) ? 'NaN' : Object.is(m.value, -0) ? '0' : String(m.value)} ${m.key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(m);
  }
  return out.length === metrics.length ? metrics : out;
}
