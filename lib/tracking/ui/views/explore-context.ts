// What the explore views of a study share: the study, its axes and which trials the brushes keep.
import type { ContourAxis } from '../../../hpo/report/contour-field';
import { OBJECTIVE_AXIS } from '../core/filter';
import { fmtNum } from '../core/format';
import type { Study, Trial } from '../core/study';

/** The study, its axes (objective first) and the run ids that pass the brushes. */
export interface ExploreContext {
  readonly study: Study;
  readonly axes: readonly ContourAxis[];
  readonly visible: ReadonlySet<string>;
  /** Opens a trial's run page. */
  readonly open: (runId: string) => void;
}

/** The title of an axis: the objective's metric name, or the parameter. */
export function axisTitle(ctx: ExploreContext, axis: ContourAxis): string {
  return axis.name === OBJECTIVE_AXIS ? ctx.study.metric : axis.name;
}

/** A trial's one-line description (SVG titles, tooltips). */
export function trialLabel(study: Study, t: Trial): string {
  const params = Object.entries(t.params).map(([k, v]) => `${k}=${typeof v === 'number' ? fmtNum(v) : v}`);
  return `${t.number !== undefined ? `trial ${t.number}` : t.name} · ${t.words}${t.value !== undefined ? ` · ${study.metric} ${fmtNum(t.value)}` : ''}${params.length ? ` · ${params.join(', ')}` : ''}`;
}
