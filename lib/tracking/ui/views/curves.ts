// A chart of many runs' curves of one metric by step, on a canvas: uPlot wants every series on one
// shared x array, and the runs of a study log at different steps (or were thinned at different
// ones), so a study of 200 trials would need 200 × (all their steps) cells; here each line keeps
// its own points. Hovering finds the nearest point and names its trial.
import { fmtNum, fmtTick, logTicks, niceTicks } from '../core/format';
import { h } from '../dom/h';

/** One run's line. */
export interface Line {
  readonly id: string;
  readonly color: string;
  readonly steps: readonly number[];
  readonly values: readonly number[];
  /** Drawn thicker (the best trial). */
  readonly emphasis?: boolean;
  /** A cross at the last point: where a pruned trial stopped. */
  readonly stopMark?: boolean;
}

/** What the tooltip says about a run. */
export interface LineInfo {
  readonly title: string;
  readonly details: readonly string[];
}

const PAD = { left: 58, right: 14, top: 12, bottom: 30 };
const HEIGHT = 260;

/** A chart of one metric; `set()` redraws it in place (no new element, so nothing flickers). */
export class CurvesChart {
  /** The chart's card, to put on the page. */
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tip: HTMLElement;
  private readonly logBox: HTMLInputElement;
  private lines: readonly Line[] = [];
  private hover: { line: Line; i: number } | undefined;
  private box = { x0: 0, x1: 1, y0: 0, y1: 1, log: false };
  /** The width the chart was last drawn at (-1: not yet). */
  private drawnWidth = -1;

  constructor(
    readonly key: string,
    private readonly describe: (id: string) => LineInfo,
    private readonly onPick?: (id: string) => void,
  ) {
    this.canvas = h('canvas', { class: 'curves', role: 'img', 'aria-label': `${key} by step, one line per run` });
    this.tip = h('div', { class: 'tip', role: 'status', hidden: true });
    this.logBox = h('input', { type: 'checkbox', onchange: () => this.draw() });
    this.el = h(
      'figure',
      { class: 'chart curves-card', 'data-metric': key },
      h('figcaption', {}, h('span', { class: 'key' }, key), h('label', { class: 'log' }, this.logBox, ' log scale')),
      h('div', { class: 'canvas-wrap' }, this.canvas, this.tip),
    );
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHover(undefined));
    this.canvas.addEventListener('click', () => this.hover && this.onPick?.(this.hover.line.id));
    // Redrawn when its width changes (window resized, printed), not on every notification: the
    // first one comes right after the chart is attached, at the width set() just drew it.
    new ResizeObserver(() => {
      if (Math.max(240, Math.floor(this.el.clientWidth - 2) || 460) !== this.drawnWidth) this.draw();
    }).observe(this.el);
  }

  /** Replaces the lines and redraws. */
  set(lines: readonly Line[]): void {
    this.lines = lines;
    this.el.setAttribute('data-runs', lines.map((l) => l.id).join(' '));
    this.el.setAttribute('data-points', String(lines.reduce((n, l) => n + l.steps.length, 0)));
    this.el.setAttribute('data-stops', lines.filter((l) => l.stopMark && l.steps.length > 0).map((l) => `${l.id}@${l.steps.at(-1)}`).join(' '));
    if (this.hover && !lines.includes(this.hover.line)) this.hover = undefined;
    this.draw();
  }

  private scales(width: number): { x: (v: number) => number; y: (v: number) => number } {
    const { ax, bx, ay, by, log } = this.transform(width);
    return { x: (v) => ax * v + bx, y: (v) => ay * (log ? Math.log10(v) : v) + by };
  }

  /** The chart's mapping to pixels as two linear maps (of log10(value) on a log scale): x = ax·step + bx, y = ay·value + by. */
  private transform(width: number): { ax: number; bx: number; ay: number; by: number; log: boolean } {
    const b = this.box;
    const w = width - PAD.left - PAD.right;
    const hgt = HEIGHT - PAD.top - PAD.bottom;
    const [ly0, ly1] = b.log ? [Math.log10(b.y0), Math.log10(b.y1)] : [b.y0, b.y1];
    const ax = b.x1 > b.x0 ? w / (b.x1 - b.x0) : 0;
    const ay = ly1 > ly0 ? -hgt / (ly1 - ly0) : 0;
    return { ax, bx: b.x1 > b.x0 ? PAD.left - b.x0 * ax : PAD.left + w / 2, ay, by: ly1 > ly0 ? PAD.top + hgt - ly0 * ay : PAD.top + hgt / 2, log: b.log };
  }

  private draw(): void {
    const width = Math.max(240, Math.floor(this.el.clientWidth - 2) || 460);
    this.drawnWidth = width;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== width * dpr || this.canvas.height !== HEIGHT * dpr) {
      this.canvas.width = width * dpr;
      this.canvas.height = HEIGHT * dpr;
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${HEIGHT}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const log = this.logBox.checked;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const l of this.lines) {
      const { steps, values } = l;
      for (let i = 0; i < steps.length; i++) {
        const v = values[i]!;
        if (log && !(v > 0)) continue;
        const x = steps[i]!;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (v < y0) y0 = v;
        if (v > y1) y1 = v;
      }
    }
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#6b7585';
    if (x0 === Infinity) {
      ctx.fillText(this.lines.length ? 'no values to draw' : 'no runs selected', PAD.left, HEIGHT / 2);
      return;
    }
    if (!log && y1 > y0) {
      const pad = (y1 - y0) * 0.04;
      [y0, y1] = [y0 - pad, y1 + pad];
    }
    this.box = { x0, x1, y0, y1, log };
    const sc = this.scales(width);
    const { ax, bx, ay, by } = this.transform(width);
    // Axes and grid.
    ctx.strokeStyle = '#e2e6ec';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of log ? logTicks(y0, y1) : niceTicks(y0, y1, 5)) {
      const y = Math.round(sc.y(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(width - PAD.right, y);
      ctx.stroke();
      ctx.fillText(fmtTick(t), PAD.left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(width / 90)))) {
      const x = Math.round(sc.x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, HEIGHT - PAD.bottom);
      ctx.stroke();
      ctx.fillText(fmtTick(t), x, HEIGHT - PAD.bottom + 4);
    }
    ctx.fillText('step', width - PAD.right - 14, HEIGHT - 12);
    // Lines: the hovered one last and on top, the others faded while one is hovered. Lines that look
    // the same (colour, width, fade) go into one path and one stroke: 200 trials are a handful of
    // strokes, not 200. Plain lines are 1 px wide: Skia draws those as hairlines, several times
    // faster than wider strokes on a software canvas.
    const hovered = this.hover?.line;
    const plain = (l: Line) => l !== hovered && !l.emphasis;
    const byColor = (a: Line, b: Line) => (a.color < b.color ? -1 : a.color > b.color ? 1 : 0);
    const order = [...this.lines.filter(plain).sort(byColor), ...this.lines.filter((l) => l.emphasis && l !== hovered), ...(hovered ? [hovered] : [])];
    const style = (l: Line) => ({ alpha: hovered && l !== hovered ? 0.18 : 0.85, width: l === hovered ? 2.5 : l.emphasis ? 2.2 : 1 });
    let path = new Path2D();
    let marks = new Path2D();
    let group: { color: string; alpha: number; width: number } | undefined;
    const flush = () => {
      if (!group) return;
      ctx.globalAlpha = group.alpha;
      ctx.strokeStyle = group.color;
      ctx.lineWidth = group.width;
      ctx.stroke(path);
      ctx.lineWidth = 1.6;
      ctx.stroke(marks);
    };
    for (const l of order) {
      const st = style(l);
      if (!group || group.color !== l.color || group.alpha !== st.alpha || group.width !== st.width) {
        flush();
        group = { color: l.color, ...st };
        path = new Path2D();
        marks = new Path2D();
      }
      // (The hot loop of a large study: 200 runs × 100 points per chart, as plain arithmetic.)
      const { steps, values } = l;
      let started = false;
      for (let i = 0; i < steps.length; i++) {
        const v = values[i]!;
        if (log && !(v > 0)) continue;
        const x = ax * steps[i]! + bx;
        const y = ay * (log ? Math.log10(v) : v) + by;
        if (started) path.lineTo(x, y);
        else path.moveTo(x, y);
        started = true;
      }
      if (l.steps.length === 1) path.arc(sc.x(l.steps[0]!), sc.y(l.values[0]!), 1.5, 0, 2 * Math.PI);
      if (l.stopMark && l.steps.length > 0) {
        const x = sc.x(l.steps.at(-1)!);
        const y = sc.y(l.values.at(-1)!);
        marks.moveTo(x - 4, y - 4);
        marks.lineTo(x + 4, y + 4);
        marks.moveTo(x + 4, y - 4);
        marks.lineTo(x - 4, y + 4);
      }
    }
    flush();
    ctx.globalAlpha = 1;
    if (this.hover) {
      const { line, i } = this.hover;
      ctx.fillStyle = line.color;
      ctx.beginPath();
      ctx.arc(sc.x(line.steps[i]!), sc.y(line.values[i]!), 4, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  /** The point nearest to the pointer within 24 px, if any. */
  nearest(px: number, py: number): { line: Line; i: number } | undefined {
    const sc = this.scales(parseFloat(this.canvas.style.width) || 460);
    let best: { line: Line; i: number } | undefined;
    let bestD = 24 * 24;
    for (const l of this.lines) {
      for (let i = 0; i < l.steps.length; i++) {
        const v = l.values[i]!;
        if (this.box.log && !(v > 0)) continue;
        const dx = sc.x(l.steps[i]!) - px;
        if (dx * dx > bestD) continue;
        const dy = sc.y(v) - py;
        const d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = { line: l, i };
        }
      }
    }
    return best;
  }

  private onMove(e: MouseEvent): void {
    const r = this.canvas.getBoundingClientRect();
    this.setHover(this.nearest(e.clientX - r.left, e.clientY - r.top), e.clientX - r.left, e.clientY - r.top);
  }

  private setHover(hit: { line: Line; i: number } | undefined, px = 0, py = 0): void {
    const same = hit && this.hover && hit.line === this.hover.line && hit.i === this.hover.i;
    this.hover = hit;
    if (!same) this.draw();
    if (!hit) {
      this.tip.hidden = true;
      this.el.removeAttribute('data-hover');
      return;
    }
    const info = this.describe(hit.line.id);
    this.el.setAttribute('data-hover', hit.line.id);
    this.tip.replaceChildren(
      h('strong', {}, info.title),
      h('div', {}, `step ${hit.line.steps[hit.i]} · ${this.key} ${fmtNum(hit.line.values[hit.i])}`),
      ...info.details.map((d) => h('div', {}, d)),
    );
    this.tip.hidden = false;
    const w = parseFloat(this.canvas.style.width) || 460;
    this.tip.style.left = `${Math.min(px + 14, w - 220)}px`;
    this.tip.style.top = `${Math.max(0, py - 10)}px`;
  }
}
