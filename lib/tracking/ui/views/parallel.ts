// Parallel coordinates of the objective and every parameter, with brushing: drag along an axis to
// keep the trials inside that range (every other view follows); click an axis to clear its range.
// From the keyboard: focus an axis, ↓/↑ select and move a quarter of it, Esc clears it.
import { unitOf } from '../../../hpo/report/contour-field';
import { axisValue, type Brush } from '../core/filter';
import { viridis } from '../core/colors';
import { h, s } from '../dom/h';
import { type ExploreContext, axisTitle } from './explore-context';
import { ticksOf } from './plot';

const PAD = { top: 30, bottom: 22, side: 60 };
const HEIGHT = 330;

/** The plot; `render()` redraws it for new trials or brushes. */
export class ParallelPlot {
  /** The plot's container. */
  readonly el: HTMLElement = h('div', { class: 'parallel' });

  constructor(private readonly onBrush: (brushes: Brush[]) => void) {}

  /** Draws every trial with an objective value; those outside the brushes are greyed. */
  render(ctx: ExploreContext, brushes: readonly Brush[]): void {
    const focused = (document.activeElement as Element | null)?.getAttribute?.('data-axis');
    const axes = ctx.axes;
    const width = Math.max(640, 120 * axes.length, this.el.clientWidth - 2);
    const ih = HEIGHT - PAD.top - PAD.bottom;
    const ax = (i: number) => PAD.side + (axes.length > 1 ? (i * (width - 2 * PAD.side)) / (axes.length - 1) : 0);
    const y = (u: number) => PAD.top + (1 - u) * ih;
    const objective = axes[0]!;
    const maximize = ctx.study.direction === 'maximize';
    const lines = s('g', { class: 'lines' });
    const kept: SVGPathElement[] = [];
    for (const t of ctx.study.trials) {
      if (t.value === undefined) continue;
      const us = axes.map((a) => unitOf(a, axisValue(t, a.name)));
      if (us.some((u) => u === undefined)) continue;
      const d = us.map((u, i) => `${i ? 'L' : 'M'}${ax(i).toFixed(1)},${y(u!).toFixed(1)}`).join('');
      const on = ctx.visible.has(t.runId);
      const u0 = unitOf(objective, t.value) ?? 0.5;
      const path = s('path', { d, class: on ? 'on' : 'off', stroke: on ? viridis(maximize ? 1 - u0 : u0) : '#c8ccd3', 'stroke-dasharray': t.state === 'pruned' ? '4 3' : null, 'data-run': t.runId });
      // Kept lines are drawn last, over the greyed ones.
      if (on) kept.push(path);
      else lines.append(path);
    }
    lines.append(...kept);
    const axisGroups = axes.map((a, i) => {
      const x = ax(i);
      const brush = brushes.find((b) => b.axis === a.name);
      const g = s(
        'g',
        {
          class: 'axis',
          'data-axis': a.name,
          tabindex: 0,
          role: 'group',
          'aria-label': `axis ${axisTitle(ctx, a)}${brush ? ', range selected' : ''}: drag, or press down or up arrow to select a quarter of it, Escape to clear`,
          onkeydown: (e: KeyboardEvent) => this.onKey(e, a.name, brushes),
        },
        s('line', { x1: x, x2: x, y1: PAD.top, y2: PAD.top + ih }),
        ticksOf(a, 5).map((t) => s('text', { class: 'tick', x: x - 5, y: y(t.u) }, t.label)),
        s('text', { class: 'title', x, y: PAD.top - 12 }, axisTitle(ctx, a)),
        brush ? s('rect', { class: 'brush', x: x - 9, width: 18, y: y(brush.hi), height: y(brush.lo) - y(brush.hi) }) : null,
      );
      const target = s('rect', { class: 'brush-target', x: x - 14, width: 28, y: PAD.top, height: ih });
      this.dragOn(target, g, a.name, x, y, ih, brushes);
      g.append(target);
      return g;
    });
    const svg = s('svg', { class: 'plot parallel-plot', width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': `parallel coordinates of ${ctx.study.metric} and the parameters` }, lines, axisGroups);
    this.el.replaceChildren(svg);
    this.el.setAttribute('data-kept', String(kept.length));
    if (focused) (this.el.querySelector(`g.axis[data-axis="${CSS.escape(focused)}"]`) as SVGGElement | null)?.focus();
  }

  private set(brushes: readonly Brush[], axis: string, range: { lo: number; hi: number } | undefined): void {
    const rest = brushes.filter((b) => b.axis !== axis);
    this.onBrush(range ? [...rest, { axis, lo: Math.max(0, range.lo), hi: Math.min(1, range.hi) }] : rest);
  }

  private onKey(e: KeyboardEvent, axis: string, brushes: readonly Brush[]): void {
    const cur = brushes.find((b) => b.axis === axis);
    if (e.key === 'Escape' || e.key === 'Delete') this.set(brushes, axis, undefined);
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const size = cur ? cur.hi - cur.lo : 0.25;
      const move = e.key === 'ArrowDown' ? -0.125 : 0.125;
      let lo = cur ? cur.lo + move : e.key === 'ArrowDown' ? 0.75 : 0;
      lo = Math.min(1 - size, Math.max(0, lo));
      this.set(brushes, axis, { lo, hi: lo + size });
    } else return;
    e.preventDefault();
  }

  private dragOn(target: SVGRectElement, g: SVGGElement, axis: string, x: number, y: (u: number) => number, ih: number, brushes: readonly Brush[]): void {
    const unit = (e: PointerEvent) => {
      const box = (target.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
      return Math.min(1, Math.max(0, 1 - (e.clientY - box.top - PAD.top) / ih));
    };
    let start: number | undefined;
    let live: SVGRectElement | undefined;
    target.addEventListener('pointerdown', (e) => {
      start = unit(e);
      target.setPointerCapture(e.pointerId);
      live = s('rect', { class: 'brush', x: x - 9, width: 18, y: y(start), height: 0 });
      g.append(live);
      e.preventDefault();
    });
    target.addEventListener('pointermove', (e) => {
      if (start === undefined || !live) return;
      const u = unit(e);
      live.setAttribute('y', String(y(Math.max(start, u))));
      live.setAttribute('height', String(Math.abs(y(u) - y(start))));
    });
    target.addEventListener('pointerup', (e) => {
      if (start === undefined) return;
      const end = unit(e);
      // Within a pixel or two of an end of the axis is the end: a drag from the bottom keeps the lowest trial.
      const snap = (u: number) => (u < 0.01 ? 0 : u > 0.99 ? 1 : u);
      const [lo, hi] = [snap(Math.min(start, end)), snap(Math.max(start, end))];
      start = undefined;
      // A click (no drag) clears the axis's range.
      this.set(brushes, axis, hi - lo < 0.01 ? undefined : { lo, hi });
    });
  }
}
