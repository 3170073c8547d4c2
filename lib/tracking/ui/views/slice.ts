// Slice plots: the objective against each parameter, one small plot per parameter.
import { unitOf } from '../../../hpo/report/contour-field';
import { OBJECTIVE_AXIS } from '../core/filter';
import { viridis } from '../core/colors';
import { h, s } from '../dom/h';
import { type ExploreContext, axisTitle } from './explore-context';
import { frame, ticksOf } from './plot';

/** A little spread inside a categorical band, the same for a trial every time it is drawn. */
function jitter(n: number): number {
  const x = Math.sin((n + 1) * 12.9898) * 43758.5453;
  return (x - Math.floor(x) - 0.5) * 0.5;
}

/** One slice plot per parameter of the brushed complete trials, coloured by trial number. */
export function slicePlots(ctx: ExploreContext): HTMLElement {
  const study = ctx.study;
  const yAxis = ctx.axes[0]!;
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined && ctx.visible.has(t.runId));
  const maxN = Math.max(1, ...study.trials.map((t) => t.number ?? 0));
  const plots = ctx.axes
    .filter((a) => a.name !== OBJECTIVE_AXIS)
    .map((axis) => {
      const f = frame(260, 210, axis.name + (axis.kind === 'numeric' && axis.log ? ' (log)' : ''), ticksOf(axis, 4), axisTitle(ctx, yAxis), ticksOf(yAxis, 4), `${study.metric} against ${axis.name}`);
      const band = axis.kind === 'categorical' ? 1 / Math.max(1, axis.choices.length) : 0;
      for (const t of done) {
        const u = unitOf(axis, t.params[axis.name]);
        const v = unitOf(yAxis, t.value);
        if (u === undefined || v === undefined) continue;
        const x = f.x(u + band * jitter(t.number ?? 0));
        f.marks.append(s('circle', { cx: x, cy: f.y(v), r: 3, fill: viridis((t.number ?? 0) / maxN), 'data-run': t.runId }));
      }
      return h('figure', { class: 'slice', 'data-param': axis.name }, f.svg);
    });
  return h('div', { class: 'slices' }, plots, h('p', { class: 'legend muted' }, 'colour: trial number, early (dark) to late (light)'));
}
