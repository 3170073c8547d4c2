// Brushing: ranges on the axes of the parallel-coordinates plot select the trials every other view
// shows (pure).
import { contourAxis, unitOf, type ContourAxis } from '../../../hpo/report/contour-field';
import type { Study, Trial } from './study';

/** A selected range of one axis, in the axis's unit coordinates (0 = bottom, 1 = top). */
export interface Brush {
  readonly axis: string;
  readonly lo: number;
  readonly hi: number;
}

/** The name of the objective's axis: parentheses are not allowed in MLflow param names, so no parameter has it. */
export const OBJECTIVE_AXIS = '(objective)';

/** The value a trial has on an axis. */
export function axisValue(t: Trial, axis: string): unknown {
  return axis === OBJECTIVE_AXIS ? t.value : t.params[axis];
}

/**
 * The axes of a study: the objective, then each parameter (its spec's range and scale when the
 * space is known, else what the trials hold; categorical ones with a band per choice).
 */
export function studyAxes(study: Study): ContourAxis[] {
  const names = study.space ? Object.keys(study.space) : [...new Set(study.trials.flatMap((t) => Object.keys(t.params)))].sort();
  const values = study.trials.filter((t) => t.value !== undefined).map((t) => t.value);
  const objective = contourAxis(OBJECTIVE_AXIS, undefined, values);
  return [objective, ...names.map((n) => contourAxis(n, study.space?.[n], study.trials.map((t) => t.params[n]).filter((v) => v !== undefined)))];
}

/** True when the trial lies inside every brush (a trial without a value on a brushed axis does not). */
export function passes(t: Trial, brushes: readonly Brush[], axes: readonly ContourAxis[]): boolean {
  for (const b of brushes) {
    const axis = axes.find((a) => a.name === b.axis);
    if (!axis) continue;
    const u = unitOf(axis, axisValue(t, b.axis));
    if (u === undefined || u < b.lo || u > b.hi) return false;
  }
  return true;
}

/** The run ids of the trials every brush keeps. */
export function selected(study: Study, brushes: readonly Brush[]): Set<string> {
  const axes = studyAxes(study);
  return new Set(study.trials.filter((t) => passes(t, brushes, axes)).map((t) => t.runId));
}
