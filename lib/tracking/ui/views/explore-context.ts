// What the explore views of a study share: the study, its axes and which trials the brushes keep.
import type { ContourAxis } from '../../../hpo/report/contour-field';
import { OBJECTIVE_AXIS } from '../core/filter';
import { fmtNum } from '../core/format';
import type { Study, Trial } from '../core/study';
import { h } from '../dom/h';

/** The study, its axes (objective first) and the run ids that pass the brushes. */
export interface ExploreContext {
  readonly study: Study;
  readonly axes: readonly ContourAxis[];
  readonly visible: ReadonlySet<string>;
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

/**
 * One tooltip and one click handler for every mark of the explore views (an element with
 * `data-run`): a listener per mark and an SVG <title> each would double the page's elements.
 */
export function markEvents(container: HTMLElement, study: () => Study, open: (runId: string) => void): void {
  const tip = h('div', { class: 'tip mark-tip', role: 'status', hidden: true });
  container.style.position = 'relative';
  container.append(tip);
  const runOf = (e: Event) => (e.target as Element | null)?.closest?.('[data-run]')?.getAttribute('data-run') ?? undefined;
  container.addEventListener('mouseover', (e) => {
    const id = runOf(e);
    const t = id ? study().trials.find((x) => x.runId === id) : undefined;
    if (!t) {
      tip.hidden = true;
      return;
    }
    const box = container.getBoundingClientRect();
    tip.textContent = trialLabel(study(), t);
    tip.style.left = `${Math.min((e as MouseEvent).clientX - box.left + 12, box.width - 270)}px`;
    tip.style.top = `${(e as MouseEvent).clientY - box.top + 12}px`;
    tip.hidden = false;
    container.setAttribute('data-hover', id!);
  });
  container.addEventListener('mouseleave', () => (tip.hidden = true));
  container.addEventListener('click', (e) => {
    const id = runOf(e);
    if (id && (e.target as Element).closest('.brush-target') === null) open(id);
  });
}
