import type { TopLevelSpec } from 'vega-lite';
import type { StudyDetail } from '../../study';

/**
 * Parallel coordinates: one line per complete trial across the objective and every parameter,
 * each axis scaled to [0, 1] (log axes in log space, categoricals by choice index), coloured by value.
 */
export function parallelSpec(study: StudyDetail): TopLevelSpec {
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined);
  const axes = ['objective', ...Object.keys(study.space)];
  const coord = (axis: string, raw: unknown): number => {
    if (axis === 'objective') return raw as number;
    const p = study.space[axis]!;
    if (p.type === 'categorical') return p.choices.indexOf(raw as never);
    return p.log ? Math.log(raw as number) : (raw as number);
  };
  const ranges = axes.map((a) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of done) {
      const c = coord(a, a === 'objective' ? t.value : t.params[a]);
      lo = Math.min(lo, c);
      hi = Math.max(hi, c);
    }
    return [lo, hi] as const;
  });
  const rows = done.flatMap((t) =>
    axes.map((a, i) => {
      const raw = a === 'objective' ? t.value : t.params[a];
      const [lo, hi] = ranges[i]!;
      return { trial: t.number, axis: a, y: hi > lo ? (coord(a, raw) - lo) / (hi - lo) : 0.5, raw: String(raw), value: t.value! };
    }),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Parallel coordinates',
    width: Math.max(320, 110 * axes.length),
    height: 300,
    data: { values: rows },
    mark: { type: 'line', opacity: 0.5 },
    encoding: {
      x: { field: 'axis', type: 'ordinal', sort: axes, title: null },
      y: { field: 'y', type: 'quantitative', axis: null },
      detail: { field: 'trial', type: 'nominal' },
      color: { field: 'value', type: 'quantitative', title: study.metric ?? 'objective', scale: { scheme: 'viridis', reverse: study.direction === 'maximize' } },
      tooltip: [{ field: 'trial' }, { field: 'axis' }, { field: 'raw' }],
    },
  };
}
