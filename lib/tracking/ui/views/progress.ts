// The progress strip of a study: `dojo job wait`'s line and a bar of complete, pruned, failed, running.
import { STATE_COLORS } from '../core/colors';
import { progressLine, progressOf } from '../core/progress';
import type { Study } from '../core/study';
import { h } from '../dom/h';

/** The strip's element, rendered again in place by `render()`. */
export class ProgressView {
  /** The strip. */
  readonly el: HTMLElement = h('section', { class: 'progress', 'aria-live': 'polite' });

  /** Shows the study's progress now. */
  render(study: Study, now: number = Date.now()): void {
    const p = progressOf(study, now);
    const total = Math.max(p.total ?? 0, p.done + p.running, 1);
    const seg = (state: 'complete' | 'pruned' | 'failed' | 'running', n: number) =>
      n > 0 ? h('span', { class: `seg ${state}`, title: `${n} ${state}`, style: `width:${((n / total) * 100).toFixed(2)}%;background:${STATE_COLORS[state]}` }) : null;
    this.el.setAttribute('data-state', p.finished ? 'finished' : 'running');
    this.el.replaceChildren(
      h('p', { class: 'progress-line' }, progressLine(study, p)),
      h('div', { class: 'bar', role: 'img', 'aria-label': `${p.done} of ${p.total ?? 'unknown'} trials done` }, seg('complete', p.complete), seg('pruned', p.pruned), seg('failed', p.failed), seg('running', p.running)),
      h('p', { class: 'legend' }, (['complete', 'pruned', 'failed', 'running'] as const).map((k) => h('span', { class: 'key' }, h('i', { style: `background:${STATE_COLORS[k]}` }), ` ${k}`)), study.live ? null : h('span', { class: 'muted' }, ' · from tracking (no HPO service linked)')),
    );
  }
}
