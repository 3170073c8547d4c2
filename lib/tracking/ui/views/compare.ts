// Comparing trials: a chart per chosen metric with a line per trial by step, and the values the
// pruner saw with a cross where each pruned trial stopped.
import type { Series } from '../../store/downsample';
import { STATE_COLORS } from '../core/colors';
import { fmtNum } from '../core/format';
import { bestTrial, type Study, type Trial } from '../core/study';
import { h } from '../dom/h';
import { CurvesChart, type Line, type LineInfo } from './curves';

/** Thinned series by run id, then metric key. */
export type SeriesByRun = ReadonlyMap<string, ReadonlyMap<string, Series>>;

/** What the tooltip says of a trial: name, state, objective and params. */
export function describeTrial(study: Study, t: Trial | undefined): LineInfo {
  if (!t) return { title: '?', details: [] };
  const params = Object.entries(t.params).map(([k, v]) => `${k} = ${typeof v === 'number' ? fmtNum(v) : v}`);
  return {
    title: t.number !== undefined ? `trial ${t.number} (${t.name})` : t.name,
    details: [t.words, ...(t.value !== undefined ? [`${study.metric} ${fmtNum(t.value)}`] : []), ...params],
  };
}

/** The compare section: metric picker, curves charts and the intermediate-values chart. */
export class CompareSection {
  /** The section's element. */
  readonly el: HTMLElement;
  private readonly picker = h('fieldset', { class: 'metric-picker' }, h('legend', {}, 'Metrics'));
  private readonly charts = h('div', { class: 'curves-grid' });
  private readonly byKey = new Map<string, CurvesChart>();
  private readonly pruner: CurvesChart;
  private readonly prunerWrap: HTMLElement;
  private study: Study | undefined;
  /** The metrics charted, in the order chosen. */
  keys: string[] = [];

  constructor(
    private readonly onKeys: (keys: string[]) => void,
    private readonly open: (runId: string) => void,
  ) {
    const describe = (id: string) => describeTrial(this.study!, this.study?.trials.find((t) => t.runId === id));
    this.pruner = new CurvesChart('intermediate values', describe, open);
    this.pruner.el.classList.add('pruner');
    this.prunerWrap = h('div', { class: 'pruner-wrap' }, h('h3', {}, 'What the pruner saw'), this.pruner.el);
    const key = (state: keyof typeof STATE_COLORS, text: string) => h('span', { class: 'key' }, h('i', { style: `background:${STATE_COLORS[state]}` }), ` ${text}`);
    const legend = h('p', { class: 'legend' }, 'Lines: ', key('complete', 'complete'), key('pruned', 'pruned (× where it stopped)'), key('failed', 'failed'), key('running', 'running'), ' · thick: the best trial · hover a line for its trial, click to open it');
    this.el = h('div', { class: 'compare' }, this.picker, legend, this.charts, this.prunerWrap);
  }

  /** Draws the trials in `visible` with the series fetched so far. */
  render(study: Study, series: SeriesByRun, visible: ReadonlySet<string>, available: readonly string[], showPruner: boolean): void {
    this.study = study;
    this.renderPicker(available);
    const best = bestTrial(study);
    const trials = study.trials.filter((t) => visible.has(t.runId));
    const lineOf = (t: Trial, s: Series | undefined, mark: boolean): Line | undefined =>
      s && s.steps.length > 0 ? { id: t.runId, color: STATE_COLORS[t.state], steps: s.steps, values: s.values, emphasis: t === best, stopMark: mark && t.state === 'pruned' } : undefined;
    for (const key of this.keys) {
      if (!this.byKey.has(key)) this.byKey.set(key, new CurvesChart(key, (id) => describeTrial(this.study!, this.study?.trials.find((t) => t.runId === id)), this.open));
    }
    for (const key of [...this.byKey.keys()]) if (!this.keys.includes(key)) this.byKey.delete(key);
    // In place first, so that each chart is drawn once, at its width on the page.
    this.charts.replaceChildren(...this.keys.map((k) => this.byKey.get(k)!.el));
    for (const key of this.keys) this.byKey.get(key)!.set(trials.flatMap((t) => lineOf(t, series.get(t.runId)?.get(key), true) ?? []));
    // The pruner's view: the service's reports, or without it the study metric's points in tracking.
    this.prunerWrap.hidden = !showPruner;
    if (showPruner) {
      this.pruner.set(
        trials.flatMap((t) => {
          const s: Series | undefined = study.live ? { steps: t.intermediate.map((p) => p[0]), values: t.intermediate.map((p) => p[1]) } : series.get(t.runId)?.get(study.metric);
          return lineOf(t, s, true) ?? [];
        }),
      );
    }
  }

  private renderPicker(available: readonly string[]): void {
    const have = [...this.picker.querySelectorAll('input')].map((i) => i.value).join('\u0000');
    if (have === available.join('\u0000')) return;
    this.picker.replaceChildren(
      h('legend', {}, 'Metrics'),
      ...available.map((k) =>
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            name: 'metric',
            value: k,
            checked: this.keys.includes(k),
            onchange: (e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              this.keys = on ? [...this.keys, k] : this.keys.filter((x) => x !== k);
              this.onKeys(this.keys);
            },
          }),
          ` ${k}`,
        ),
      ),
    );
  }
}
