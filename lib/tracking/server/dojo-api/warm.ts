// A trial's curves are thinned when its run ends, not when someone first opens the study: the
// first view of a study that just finished would otherwise read every point of every trial.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { SERIES_POINTS } from '../../series-choice';
import type { TrackingStore } from '../../store';

/** Longest history thinned ahead (about 0.2 s to read on this machine); longer ones wait for a view. */
export const WARM_MAX_ROWS = 200_000;

const ENDED = new Set(['FINISHED', 'FAILED', 'KILLED']);

/**
 * After a `runs/update` answered OK: when it ended the run, thins each of its metrics to the point
 * counts the web UI asks for (SERIES_POINTS) in the background (one metric per turn of the event
 * loop, so logging and other requests are not held up). Never fails the update: errors (a run deleted meanwhile) are dropped.
 */
export function warmSeriesAtRunEnd(args: Readonly<Record<string, unknown>>, store: TrackingStore): void {
  const id = args['run_id'] ?? args['run_uuid'];
  if (typeof id !== 'string' || typeof args['status'] !== 'string' || !ENDED.has(args['status'])) return;
  void (async () => {
    try {
      for (const key of store.series.keysOf(id)) {
        await yieldToLoop();
        store.series.warm(id, key, SERIES_POINTS, WARM_MAX_ROWS);
      }
    } catch {
      // The store closed or the run went away: the first view reads it instead.
    }
  })();
}
