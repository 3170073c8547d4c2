import type { TopLevelSpec } from 'vega-lite';
import type { StudyDetail } from '../../study';

const CELLS = 30;

/**
 * Contour of the objective over a pair of parameters: a 30×30 field interpolated from the
 * complete trials (inverse-distance weighting, power 2, in the axes' scaled coordinates) drawn
 * as filled cells, with the trials on top. Log parameters use log axes; categoricals their index.
 */
export function contourSpec(study: StudyDetail, x: string, y: string): TopLevelSpec {
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined);
  const axis = (name: string) => {
    const p = study.space[name]!;
    if (p.type === 'categorical') return { lo: 0, hi: Math.max(1, p.choices.length - 1), f: (v: unknown) => p.choices.indexOf(v as never), log: false };
    return p.log ? { lo: Math.log(p.low), hi: Math.log(p.high), f: (v: unknown) => Math.log(v as number), log: true } : { lo: p.low, hi: p.high, f: (v: unknown) => v as number, log: false };
  };
  const ax = axis(x);
  const ay = axis(y);
  const pts = done.map((t) => ({ u: (ax.f(t.params[x]) - ax.lo) / (ax.hi - ax.lo || 1), v: (ay.f(t.params[y]) - ay.lo) / (ay.hi - ay.lo || 1), value: t.value! }));
  const cells: { x: number; x2: number; y: number; y2: number; value: number }[] = [];
  const back = (a: typeof ax, s: number) => (a.log ? Math.exp(a.lo + s * (a.hi - a.lo)) : a.lo + s * (a.hi - a.lo));
  if (pts.length > 0) {
    for (let i = 0; i < CELLS; i++) {
      for (let j = 0; j < CELLS; j++) {
        const u = (i + 0.5) / CELLS;
        const v = (j + 0.5) / CELLS;
        let num = 0;
        let den = 0;
        for (const p of pts) {
          const w = 1 / ((p.u - u) ** 2 + (p.v - v) ** 2 + 1e-9);
          num += w * p.value;
          den += w;
        }
        cells.push({ x: back(ax, i / CELLS), x2: back(ax, (i + 1) / CELLS), y: back(ay, j / CELLS), y2: back(ay, (j + 1) / CELLS), value: num / den });
      }
    }
  }
  const scale = (a: typeof ax) => (a.log ? { type: 'log' as const } : { zero: false });
  const trials = done.map((t) => ({ x: back(ax, (ax.f(t.params[x]) - ax.lo) / (ax.hi - ax.lo || 1)), y: back(ay, (ay.f(t.params[y]) - ay.lo) / (ay.hi - ay.lo || 1)), value: t.value! }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Contour: ${x} × ${y}`,
    width: 400,
    height: 400,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: x, scale: scale(ax) },
          x2: { field: 'x2' },
          y: { field: 'y', type: 'quantitative', title: y, scale: scale(ay) },
          y2: { field: 'y2' },
          color: { field: 'value', type: 'quantitative', title: study.metric ?? 'objective', scale: { scheme: 'viridis', reverse: study.direction === 'maximize' } },
        },
      },
      {
        data: { values: trials },
        mark: { type: 'point', color: 'white', stroke: 'black', strokeWidth: 0.5, filled: true, size: 20 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
}
