// A trial's curves are thinned when its run ends, and a study's page answer is made when the
// study's run ends, not when someone first opens the study: the first view of a study that just
// finished would otherwise read every point of every trial.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { SERIES_POINTS } from '../../series-choice';
import type { TrackingStore } from '../../store';
import type { DojoApiDeps } from './index';
import { runPageAnswer } from './run-page';

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

/**
 * After a `runs/update` answered OK: when it ended a study's run (tagged `hpo.study_id` or
 * `hpo.role = study`: the HPO service ends it last, once the report is uploaded), makes the run's
 * page's answer in the background, so that the first view of a study that just finished is
 * answered from the answer cache instead of waiting for its 200 trials to be read. Never fails
 * the update; a write after it makes the next view read afresh as always.
 */
export function warmRunPageAtRunEnd(args: Readonly<Record<string, unknown>>, deps: DojoApiDeps): void {
  const id = args['run_id'] ?? args['run_uuid'];
  if (typeof id !== 'string' || typeof args['status'] !== 'string' || !ENDED.has(args['status'])) return;
  void (async () => {
    try {
      await yieldToLoop();
      const tags = deps.store.runs.get(id).data.tags ?? [];
      if (!tags.some((t) => t.key === 'hpo.study_id' || (t.key === 'hpo.role' && t.value === 'study'))) return;
      await runPageAnswer(new URLSearchParams({ run_id: id }), deps);
    } catch {
      // The store closed or the run went away: the first view makes it instead.
    }
  })();
}
