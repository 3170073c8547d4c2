// The thinned series a page has fetched, so that a page (or its prefetch, started before the page
// knows which views it draws) asks the server for each run and key once.
import type { Series } from '../../store/downsample';
import { addSeries, seriesOf, type SeriesOfRun } from './api';

/** Thinned series by run id, then metric key; each fetched once, again only after forget(). */
export class SeriesCache {
  /** What has been fetched (what the charts read). */
  readonly byRun = new Map<string, Map<string, Series>>();

  /** Fetches the series of `keys` that some of `runIds` lack, thinned to about `maxPoints` points. */
  async load(runIds: readonly string[], keys: readonly string[], maxPoints: number): Promise<void> {
    const missing = keys.filter((k) => runIds.some((id) => !this.byRun.get(id)?.has(k)));
    if (missing.length === 0) return;
    for (const [id, byKey] of await seriesOf(runIds, missing, maxPoints)) {
      if (!this.byRun.has(id)) this.byRun.set(id, new Map());
      for (const [k, s] of byKey) this.byRun.get(id)!.set(k, s);
    }
  }

  /** Keeps series the server sent with another answer (a run's page's first answer). */
  add(series: readonly SeriesOfRun[]): void {
    addSeries(this.byRun, series);
  }

  /** Drops a run's series (it logged since): the next load() reads them again. */
  forget(runId: string): void {
    this.byRun.delete(runId);
  }
}
