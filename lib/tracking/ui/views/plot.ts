// The frame of the small SVG plots (history, slice, contour): axes with ticks on a unit square.
import { unitOf, valueAt, type ContourAxis } from '../../../hpo/report/contour-field';
import { fmtTick, logTicks, niceTicks } from '../core/format';
import { s } from '../dom/h';

/** A tick: where on the axis (0..1) and its label. */
export interface Tick {
  readonly u: number;
  readonly label: string;
}

/** Ticks of an axis: round values of a numeric one, every choice of a categorical one. */
export function ticksOf(axis: ContourAxis, count = 5): Tick[] {
  if (axis.kind === 'categorical') {
    const every = Math.max(1, Math.ceil(axis.choices.length / 12));
    return axis.choices.flatMap((c, i) => (i % every === 0 ? [{ u: unitOf(axis, c)!, label: c }] : []));
  }
  const values = axis.log ? logTicks(axis.lo, axis.hi) : niceTicks(axis.lo, axis.hi, count);
  const ticks = values.flatMap((v) => {
    const u = unitOf(axis, v);
    return u === undefined || u < -1e-9 || u > 1 + 1e-9 ? [] : [{ u, label: fmtTick(v) }];
  });
  return ticks.length > 0 ? ticks : [{ u: 0.5, label: fmtTick(valueAt(axis, 0.5)) }];
}

/** A plot frame: an SVG with both axes drawn; `x(u)`/`y(u)` map unit positions to pixels. */
export interface Frame {
  readonly svg: SVGSVGElement;
  /** Where the marks go (above the grid). */
  readonly marks: SVGGElement;
  x(u: number): number;
  y(u: number): number;
  readonly width: number;
  readonly height: number;
}

/** Draws the axes of a plot of `width` × `height` pixels with the given ticks and titles. */
export function frame(width: number, height: number, xTitle: string, xTicks: readonly Tick[], yTitle: string, yTicks: readonly Tick[], label: string): Frame {
  const pad = { left: 52, right: 10, top: 8, bottom: 38 };
  const iw = width - pad.left - pad.right;
  const ih = height - pad.top - pad.bottom;
  const x = (u: number) => pad.left + u * iw;
  const y = (u: number) => pad.top + (1 - u) * ih;
  const grid = s('g', { class: 'grid' });
  for (const t of yTicks) {
    grid.append(s('line', { x1: pad.left, x2: pad.left + iw, y1: y(t.u), y2: y(t.u) }), s('text', { x: pad.left - 5, y: y(t.u), class: 'tick y' }, t.label));
  }
  for (const t of xTicks) {
    grid.append(s('line', { x1: x(t.u), x2: x(t.u), y1: pad.top, y2: pad.top + ih }), s('text', { x: x(t.u), y: pad.top + ih + 13, class: 'tick x' }, t.label));
  }
  const marks = s('g', { class: 'marks' });
  const svg = s(
    'svg',
    { class: 'plot', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
    s('rect', { class: 'frame', x: pad.left, y: pad.top, width: iw, height: ih }),
    grid,
    marks,
    s('text', { class: 'title x', x: pad.left + iw / 2, y: height - 4 }, xTitle),
    s('text', { class: 'title y', x: 12, y: pad.top + ih / 2, transform: `rotate(-90 12 ${pad.top + ih / 2})` }, yTitle),
  );
  return { svg, marks, x, y, width, height };
}
