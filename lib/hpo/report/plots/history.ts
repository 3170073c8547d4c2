import type { TopLevelSpec } from 'vega-lite';
import type { StudyDetail } from '../../study';

/** Optimisation history: every complete trial's value by trial number, and the best so far. */
export function historySpec(study: StudyDetail): TopLevelSpec {
  const sign = study.direction === 'minimize' ? 1 : -1;
  let best = Infinity;
  const rows = study.trials
    .filter((t) => t.state === 'complete' && t.value !== undefined)
    .map((t) => {
      if (sign * t.value! < sign * best || best === Infinity) best = t.value!;
      return { number: t.number, value: t.value!, best };
    });
  const y = { field: 'value', type: 'quantitative', title: study.metric ?? 'objective', scale: { zero: false } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Optimisation history',
    width: 560,
    height: 300,
    data: { values: rows },
    layer: [
      { mark: { type: 'point', filled: true, opacity: 0.6 }, encoding: { x: { field: 'number', type: 'quantitative', title: 'trial' }, y } },
      { mark: { type: 'line', color: '#d62728', interpolate: 'step-after' }, encoding: { x: { field: 'number', type: 'quantitative' }, y: { ...y, field: 'best' } } },
    ],
  };
}
