// Metric charts over steps with uPlot (a small, fast canvas chart library).
(function () {
  'use strict';
  const { h } = window.dojoUi;

  /** A card with one metric's history plotted against its step. */
  function metricChart(key, history, width) {
    const card = h('div', { class: 'chart', 'data-metric': key }, h('h3', {}, key));
    const points = history
      .map((m) => [Number(m.step), Number(m.value)])
      .filter((p) => Number.isFinite(p[1]))
      .sort((a, b) => a[0] - b[0]);
    if (points.length === 0) {
      card.append(h('p', { class: 'muted' }, 'no finite values'));
      return card;
    }
    const data = [points.map((p) => p[0]), points.map((p) => p[1])];
    const opts = {
      width: width || 440,
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { size: 60 }],
      series: [{ label: 'step' }, { label: key, stroke: '#2563eb', width: 2, points: { show: points.length < 60 } }],
    };
    new window.uPlot(opts, data, card);
    return card;
  }

  window.dojoCharts = { metricChart };
})();
