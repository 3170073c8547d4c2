// One chart per metric of a single run (uPlot: one series on its own steps is what it is made for).
import uPlot from 'uplot';
import { h } from '../dom/h';

/** A card with one metric's history against its step. */
export function metricChart(key: string, history: readonly { step: number; value: number }[], width: number): HTMLElement {
  const card = h('figure', { class: 'chart', 'data-metric': key }, h('figcaption', {}, key));
  const points = history.filter((p) => Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
  if (points.length === 0) {
    card.append(h('p', { class: 'muted' }, 'no finite values'));
    return card;
  }
  const data: uPlot.AlignedData = [points.map((p) => p.step), points.map((p) => p.value)];
  const opts: uPlot.Options = {
    width,
    height: 220,
    legend: { show: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false } },
    axes: [{ label: 'step' }, { size: 60 }],
    series: [{ label: 'step' }, { label: key, stroke: '#2563eb', width: 2, points: { show: points.length < 60 } }],
  };
  new uPlot(opts, data, card);
  return card;
}
