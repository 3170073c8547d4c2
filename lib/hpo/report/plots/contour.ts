import type { TopLevelSpec } from 'vega-lite';
import type { StudyDetail } from '../../study';
import { cellsOf, contourAxis, idwField, unitOf, valueAt, type ContourAxis } from '../contour-field';

const CELLS = 30;

/** The x or y encoding of one axis: a band per choice for a categorical, a (log) scale otherwise. */
function encodingOf(axis: ContourAxis, field: string) {
  if (axis.kind === 'categorical') {
    return { main: { field: `${field}c`, type: 'ordinal' as const, title: axis.name, sort: [...axis.choices], scale: { domain: [...axis.choices] } } };
  }
  const scale = axis.log ? { type: 'log' as const, domain: [axis.lo, axis.hi], nice: false } : { zero: false, domain: [axis.lo, axis.hi], nice: false };
  return { main: { field, type: 'quantitative' as const, title: axis.name, scale }, end: { field: `${field}2` } };
}

/**
 * Contour of the objective over a pair of parameters: the objective interpolated from the complete
 * trials (inverse-distance weighting in the axes' unit coordinates, see contour-field.ts) drawn as
 * filled cells, with the trials on top. Log parameters get log axes; a categorical parameter gets a
 * categorical axis with one band per choice (not a 0–1 number line).
 */
export function contourSpec(study: StudyDetail, x: string, y: string): TopLevelSpec {
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined);
  const ax = contourAxis(x, study.space[x], done.map((t) => t.params[x]));
  const ay = contourAxis(y, study.space[y], done.map((t) => t.params[y]));
  const pts = done.flatMap((t) => {
    const u = unitOf(ax, t.params[x]);
    const v = unitOf(ay, t.params[y]);
    return u === undefined || v === undefined ? [] : [{ u, v, value: t.value!, xr: t.params[x], yr: t.params[y] }];
  });
  const xc = cellsOf(ax, CELLS);
  const yc = cellsOf(ay, CELLS);
  const field = idwField(pts, xc.map((c) => (c.from + c.to) / 2), yc.map((c) => (c.from + c.to) / 2));
  // A cell's extent in the axis's own terms: its choice, or its value interval.
  const place = (axis: ContourAxis, i: number, cell: { from: number; to: number }, f: string): Record<string, unknown> =>
    axis.kind === 'categorical' ? { [`${f}c`]: axis.choices[i] } : { [f]: valueAt(axis, cell.from), [`${f}2`]: valueAt(axis, cell.to) };
  const cells: Record<string, unknown>[] = [];
  if (field.length > 0) {
    xc.forEach((cx, i) => yc.forEach((cy, j) => cells.push({ ...place(ax, i, cx, 'x'), ...place(ay, j, cy, 'y'), value: field[i * yc.length + j] })));
  }
  const trials = pts.map((p) => ({
    ...(ax.kind === 'categorical' ? { xc: String(p.xr) } : { x: Number(p.xr) }),
    ...(ay.kind === 'categorical' ? { yc: String(p.yr) } : { y: Number(p.yr) }),
    value: p.value,
  }));
  const ex = encodingOf(ax, 'x');
  const ey = encodingOf(ay, 'y');
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
          x: ex.main,
          ...(ex.end ? { x2: ex.end } : {}),
          y: ey.main,
          ...(ey.end ? { y2: ey.end } : {}),
          color: { field: 'value', type: 'quantitative', title: study.metric ?? 'objective', scale: { scheme: 'viridis', reverse: study.direction === 'maximize' } },
        },
      },
      {
        data: { values: trials },
        mark: { type: 'point', color: 'white', stroke: 'black', strokeWidth: 0.5, filled: true, size: 20 },
        encoding: { x: { field: ex.main.field, type: ex.main.type }, y: { field: ey.main.field, type: ey.main.type } },
      },
    ],
  };
}
