import type { StudyDetail } from '../study';

/** Trial parameters that define a feature set (issue 10's data-preparation and feature stages). */
export const FEATURE_STAGE_PARAMS = ['missing', 'bins', 'scale'] as const;

/** The best complete trial of one feature set. */
export interface FeatureSetRow {
  /** The stage values, e.g. `{missing: "mean", bins: 64}` (only the stages the space searches). */
  readonly stages: Readonly<Record<string, unknown>>;
  readonly trials: number;
  readonly bestNumber: number;
  readonly bestValue: number;
}

/**
 * Groups a study's complete trials by the feature stages its space searches and returns the best
 * value of each group, best first; empty when the space has no stage parameter. Within a study the
 * data is fixed, so the stage values identify what the runs' `dojo.feature_set_id` tag hashes.
 */
export function bestPerFeatureSet(study: StudyDetail): FeatureSetRow[] {
  const stages = FEATURE_STAGE_PARAMS.filter((p) => p in study.space);
  if (stages.length === 0) return [];
  const better = (a: number, b: number): boolean => (study.direction === 'maximize' ? a > b : a < b);
  const groups = new Map<string, { stages: Record<string, unknown>; trials: number; bestNumber: number; bestValue: number }>();
  for (const t of study.trials) {
    if (t.state !== 'complete' || t.value === undefined || !Number.isFinite(t.value)) continue;
    const values = Object.fromEntries(stages.map((s) => [s, t.params[s]]));
    const key = JSON.stringify(values);
    const g = groups.get(key);
    if (!g) groups.set(key, { stages: values, trials: 1, bestNumber: t.number, bestValue: t.value });
    else {
      g.trials++;
      if (better(t.value, g.bestValue)) {
        g.bestValue = t.value;
        g.bestNumber = t.number;
      }
    }
  }
  return [...groups.values()].sort((a, b) => (better(a.bestValue, b.bestValue) ? -1 : better(b.bestValue, a.bestValue) ? 1 : 0));
}
