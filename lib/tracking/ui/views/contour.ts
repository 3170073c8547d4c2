// A contour of the objective over any two parameters: categorical ones get one band per choice.
import { cellsOf, idwField, unitOf } from '../../../hpo/report/contour-field';
import { OBJECTIVE_AXIS } from '../core/filter';
import { fmtNum } from '../core/format';
import { viridisRgb } from '../core/colors';
import { h, s } from '../dom/h';
import { type ExploreContext } from './explore-context';
import { frame, ticksOf } from './plot';

/** The plot for the pair (x, y): an interpolated field of the brushed complete trials, the trials on top. */
export function contourPlot(ctx: ExploreContext, x: string, y: string, size = 420): SVGSVGElement {
  const study = ctx.study;
  const ax = ctx.axes.find((a) => a.name === x)!;
  const ay = ctx.axes.find((a) => a.name === y)!;
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined && ctx.visible.has(t.runId));
  const pts = done.flatMap((t) => {
    const u = unitOf(ax, t.params[x]);
    const v = unitOf(ay, t.params[y]);
    return u === undefined || v === undefined ? [] : [{ u, v, value: t.value!, t }];
  });
  const f = frame(size + 60, size, x, ticksOf(ax), y, ticksOf(ay), `contour of ${study.metric} over ${x} and ${y}`);
  const xc = cellsOf(ax, 30);
  const yc = cellsOf(ay, 30);
  const field = idwField(pts, xc.map((c) => (c.from + c.to) / 2), yc.map((c) => (c.from + c.to) / 2));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of field) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  // Dark is good: the scale is reversed when the study maximises.
  const tone = (v: number) => viridisRgb(hi > lo ? (study.direction === 'maximize' ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo)) : 0.5);
  // The cells are equal parts of the unit square: one pixel each of a picture stretched over the
  // plot (sharp edges: pixelated), not 900 elements to build, style and hit-test.
  if (field.length > 0) {
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [xc.length, yc.length];
    const c2d = canvas.getContext('2d');
    if (c2d) {
      const img = c2d.createImageData(xc.length, yc.length);
      for (let i = 0; i < xc.length; i++) {
        for (let j = 0; j < yc.length; j++) {
          // Row 0 of the picture is the top: the last cell of the y axis.
          const o = ((yc.length - 1 - j) * xc.length + i) * 4;
          const [r, g, b] = tone(field[i * yc.length + j]!);
          img.data.set([r, g, b, 255], o);
        }
      }
      c2d.putImageData(img, 0, 0);
      f.marks.append(
        s('image', { class: 'cells', href: canvas.toDataURL('image/png'), x: f.x(0), y: f.y(1), width: f.x(1) - f.x(0), height: f.y(0) - f.y(1), preserveAspectRatio: 'none', style: 'image-rendering: pixelated', 'data-grid': `${xc.length}x${yc.length}` }),
      );
    }
  }
  for (const p of pts) {
    f.marks.append(s('circle', { cx: f.x(p.u), cy: f.y(p.v), r: 3.5, fill: 'white', stroke: 'black', 'stroke-width': 0.7, 'data-run': p.t.runId }));
  }
  if (pts.length === 0) f.marks.append(s('text', { x: f.x(0.5), y: f.y(0.5), class: 'empty' }, 'no complete trial to interpolate'));
  f.svg.setAttribute('data-range', pts.length ? `${study.metric}: ${fmtNum(lo)} (dark) … ${fmtNum(hi)} (light)` : '');
  return f.svg;
}

/** The contour with two pickers for its parameters (default: the two most important). */
export function contourView(ctx: ExploreContext, importances: Record<string, number>, pair: { x?: string; y?: string }): HTMLElement {
  const names = ctx.axes.filter((a) => a.name !== OBJECTIVE_AXIS).map((a) => a.name);
  if (names.length < 2) return h('p', { class: 'muted' }, 'a contour needs two parameters');
  const ranked = [...names].sort((a, b) => (importances[b] ?? 0) - (importances[a] ?? 0));
  pair.x = pair.x && names.includes(pair.x) ? pair.x : ranked[0];
  pair.y = pair.y && names.includes(pair.y) && pair.y !== pair.x ? pair.y : ranked.find((n) => n !== pair.x);
  const legend = h('p', { class: 'legend muted' });
  const holder = h('div', { class: 'contour-plot' });
  const draw = () => {
    const plot = contourPlot(ctx, pair.x!, pair.y!);
    holder.replaceChildren(plot);
    legend.textContent = `colour: ${plot.getAttribute('data-range') ?? ''}; circles: complete trials`;
  };
  draw();
  const pick = (which: 'x' | 'y') =>
    h(
      'select',
      {
        name: `contour-${which}`,
        'aria-label': `contour ${which} parameter`,
        onchange: (e: Event) => {
          pair[which] = (e.target as HTMLSelectElement).value;
          if (pair.x !== pair.y) draw();
        },
      },
      names.map((n) => h('option', { value: n, selected: n === pair[which] }, n)),
    );
  return h('div', { class: 'contour' }, h('div', { class: 'controls' }, h('label', {}, 'x ', pick('x')), h('label', {}, 'y ', pick('y'))), holder, legend);
}
