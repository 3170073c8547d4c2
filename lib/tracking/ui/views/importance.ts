// Parameter importances (PED-ANOVA, the same computation as the study report) as bars.
import { pedAnovaImportances } from '../../../hpo/report/importance';
import type { Study } from '../core/study';
import { h } from '../dom/h';

/**
 * Importances of the study's parameters from its complete trials: those of the HPO service's view
 * when it sent them (the same computation over the same trials, made once per change of the study
 * by the service instead of on every view in the browser), else computed here; empty without a known space.
 */
export function importancesOf(study: Study): Record<string, number> {
  if (study.importances) return study.importances;
  if (!study.space) return {};
  const trials = study.trials.map((t) => ({ state: t.state, params: { ...t.params }, ...(t.value !== undefined ? { value: t.value } : {}) }));
  return pedAnovaImportances({ space: study.space, direction: study.direction, trials });
}

/** Horizontal bars, most important first. */
export function importanceBars(importances: Record<string, number>): HTMLElement {
  const rows = Object.entries(importances).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return h('p', { class: 'muted' }, 'needs the study\'s space');
  if (rows.every(([, v]) => v === 0)) return h('p', { class: 'muted' }, 'needs at least 4 complete trials');
  return h(
    'table',
    { class: 'importance' },
    h('tbody', {}, rows.map(([name, v]) => h('tr', { 'data-param': name }, h('th', { scope: 'row' }, name), h('td', { class: 'bar-cell' }, h('span', { class: 'bar', style: `width:${(v * 100).toFixed(1)}%` })), h('td', { class: 'num' }, v.toFixed(3))))),
  );
}
