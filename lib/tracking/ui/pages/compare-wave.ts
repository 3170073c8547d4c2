// The requests of the compare page (`#/compare?exp=E&runs=ID,...`) as one wave: the runs, then at
// once the curves charted first. No DOM: the page's boot script starts it while app.js loads.
import type { Run } from '../../types';
import { takeWave } from '../dom/boot-wave';
import { defaultMetricKeys, pointsPerRun, sortedMetricKeys } from '../../series-choice';
import { mlflowGet, searchAllRuns } from '../dom/api';
import { SeriesCache } from '../dom/series-cache';

/** Most runs one compare page draws. */
export const MAX_COMPARE_RUNS = 200;

/** The run ids a compare page names (distinct, well-formed, in the order given). */
export function compareIds(query: URLSearchParams): string[] {
  return [...new Set((query.get('runs') ?? '').split(',').map((x) => x.trim()).filter((x) => /^[0-9a-zA-Z]+$/.test(x)))];
}

/** The runs `ids` of experiment `exp`, in the order given (100 ids per search, the searches in parallel). */
async function runsOf(exp: string, ids: readonly string[]): Promise<Run[]> {
  const found = new Map<string, Run>();
  const searches: Promise<Run[]>[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const filter = `attributes.run_id IN (${ids.slice(i, i + 100).map((id) => `'${id}'`).join(', ')})`;
    searches.push(searchAllRuns({ experiment_ids: [exp], filter }));
  }
  for (const runs of await Promise.all(searches)) for (const r of runs) found.set(r.info.run_id, r);
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** A compare page's wave: its runs, and the curves of the metrics charted first being loaded into `series`. */
export interface CompareWave {
  readonly runs: Promise<Run[]>;
  readonly series: SeriesCache;
  readonly seriesLoaded: Promise<void>;
}

/** Starts the requests of the compare page for `query` (nothing when it names no runs). */
export function startCompareWave(query: URLSearchParams): CompareWave {
  const wanted = compareIds(query).slice(0, MAX_COMPARE_RUNS);
  const exp = query.get('exp');
  // Runs of one experiment come in a few searches; otherwise one by one.
  const runs = wanted.length === 0 ? Promise.resolve([]) : exp && /^\d+$/.test(exp) ? runsOf(exp, wanted) : Promise.all(wanted.map((id) => mlflowGet<{ run: Run }>('runs/get', { run_id: id }).then((r) => r.run)));
  const series = new SeriesCache();
  // The keys the page charts first: defaultKeys() of buildStudy(undefined, runs), whose metric is
  // "objective" (no parent run), chosen here without building the study.
  const seriesLoaded = runs.then((rs) => series.load(rs.map((r) => r.info.run_id), defaultMetricKeys('objective', sortedMetricKeys(rs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))), pointsPerRun(rs.length)));
  // Awaited by the page (or not at all when it fails first): no unhandled rejection meanwhile.
  seriesLoaded.catch(() => undefined);
  return { runs, series, seriesLoaded };
}

/** The name a compare page's wave is left under by the boot script. */
export const compareWaveKey = (query: URLSearchParams): string => `compare ${query.toString()}`;

/** The wave the boot script started for this compare page (taken once), else a new one. */
export function takeCompareWave(query: URLSearchParams): CompareWave {
  return takeWave<CompareWave>(compareWaveKey(query)) ?? startCompareWave(query);
}
