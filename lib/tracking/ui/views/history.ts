// Optimisation history: each complete trial's objective by trial number, and the best so far.
import { unitOf, type ContourAxis } from '../../../hpo/report/contour-field';
import { better } from '../core/study';
import { STATE_COLORS } from '../core/colors';
import { s } from '../dom/h';
import { type ExploreContext, axisTitle } from './explore-context';
import { frame, ticksOf } from './plot';

/** The history plot of the brushed trials, with the study's best-so-far line over all of them. */
export function historyPlot(ctx: ExploreContext, width = 520, height = 280): SVGSVGElement {
  const study = ctx.study;
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined && t.number !== undefined);
  const maxN = Math.max(1, ...study.trials.map((t) => t.number ?? 0));
  const nAxis: ContourAxis = { kind: 'numeric', name: 'trial', log: false, lo: 0, hi: maxN };
  const yAxis = ctx.axes[0]!;
  const f = frame(width, height, 'trial', ticksOf(nAxis), axisTitle(ctx, yAxis), ticksOf(yAxis), `${study.metric} of each complete trial by trial number, with the best so far`);
  const pts: string[] = [];
  let best: number | undefined;
  for (const t of [...done].sort((a, b) => a.number! - b.number!)) {
    if (best === undefined || better(study.direction, t.value!, best)) best = t.value!;
    const u = unitOf(nAxis, t.number)!;
    const v = unitOf(yAxis, best);
    if (v !== undefined) pts.push(`${pts.length ? 'L' : 'M'}${f.x(u).toFixed(1)},${f.y(v).toFixed(1)}`, `H${f.x(1).toFixed(1)}`);
  }
  // A step line: flat until the next improvement.
  if (pts.length) f.marks.append(s('path', { class: 'best-line', d: pts.join(''), fill: 'none', stroke: '#d62728', 'stroke-width': 1.6 }));
  for (const t of done) {
    if (!ctx.visible.has(t.runId)) continue;
    const v = unitOf(yAxis, t.value);
    if (v === undefined) continue;
    f.marks.append(
      s('circle', { cx: f.x(unitOf(nAxis, t.number)!), cy: f.y(v), r: 3.5, fill: STATE_COLORS.complete, 'fill-opacity': 0.75, 'data-run': t.runId }),
    );
  }
  return f.svg;
}
