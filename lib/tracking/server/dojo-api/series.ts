import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { invalidParam } from '../../errors';
import type { TrackingStore } from '../../store';
import type { SampledSeries } from '../../store/series';

/** Most runs and metric keys in one request (MLflow's bulk history routes take 100 runs too). */
export const SERIES_LIMITS = { runs: 100, keys: 10, maxPoints: 5000, defaultPoints: 500 } as const;

/** One thinned series in the answer of `GET /dojo-api/v1/series`. */
export interface SeriesAnswer {
  readonly run_id: string;
  readonly key: string;
  readonly steps: number[];
  readonly values: number[];
  /** Points stored (before thinning). */
  readonly total: number;
}

/**
 * The JSON of a thinned series' columns (`"steps":[…],"values":[…],"total":N`), made once per
 * series the reader caches: it hands out the same object until the run logs again, so a study
 * page's later views send the same few hundred KB without stringifying 80,000 numbers each time.
 */
const columnsJson = new WeakMap<SampledSeries, string>();

function columnsOf(s: SampledSeries): string {
  let text = columnsJson.get(s);
  if (text === undefined) {
    text = `"steps":${JSON.stringify(s.steps)},"values":${JSON.stringify(s.values)},"total":${s.total}`;
    columnsJson.set(s, text);
  }
  return text;
}

function listOf(query: URLSearchParams, field: string, max: number): string[] {
  const all = query.getAll(field).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (all.length === 0) throw invalidParam(`Missing value for required parameter '${field}'.`);
  if (all.length > max) throw invalidParam(`At most ${max} values of '${field}' per request, got ${all.length}.`);
  for (const v of all) if (v.length > 250) throw invalidParam(`Invalid value for '${field}': longer than 250 characters.`);
  return [...new Set(all)];
}

/**
 * `GET /dojo-api/v1/series?run_ids=A,B&keys=val_rmse,train_rmse&max_points=500`: each run's history
 * of each key thinned to about max_points (SeriesReader; values to 7 significant digits), as columns (steps, values) rather than
 * MLflow's one object per point, which is 5× the bytes: the answer's JSON text ({series: SeriesAnswer[]}).
 * Runs that do not exist are left out.
 */
export async function seriesRoute(query: URLSearchParams, store: TrackingStore): Promise<string> {
  const runIds = listOf(query, 'run_ids', SERIES_LIMITS.runs);
  const keys = listOf(query, 'keys', SERIES_LIMITS.keys);
  const raw = query.get('max_points');
  const maxPoints = raw === null ? SERIES_LIMITS.defaultPoints : Number(raw);
  if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > SERIES_LIMITS.maxPoints) {
    throw invalidParam(`Invalid value '${raw}' for 'max_points': a whole number from 2 to ${SERIES_LIMITS.maxPoints}.`);
  }
  return `{"series":${await seriesJson(runIds, keys, maxPoints, store)}}`;
}

/**
 * The JSON array (SeriesAnswer[]) of each run's history of each key thinned to about `maxPoints`;
 * runs that do not exist and keys a run lacks are left out. The event loop is given back every
 * 10 ms, so a large first read does not stall metric logging.
 */
export async function seriesJson(runIds: readonly string[], keys: readonly string[], maxPoints: number, store: TrackingStore): Promise<string> {
  const parts: string[] = [];
  let since = performance.now();
  for (const runId of runIds) {
    for (const key of keys) {
      const s = store.series.read(runId, key, maxPoints);
      if (s) parts.push(`{"run_id":${JSON.stringify(runId)},"key":${JSON.stringify(key)},${columnsOf(s)}}`);
    }
    // Cached series take microseconds; a long first read gives the loop back every 10 ms.
    if (performance.now() - since > 10) {
      await yieldToLoop();
      since = performance.now();
    }
  }
  return `[${parts.join(',')}]`;
}
