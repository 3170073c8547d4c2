// The list of experiments.
import type { Experiment } from '../../types';
import { fmtTime } from '../core/format';
import { mlflowPost } from '../dom/api';
import { h } from '../dom/h';
import { show } from './shell';

/** `#/`: every experiment with its id and creation time. */
export async function experimentsPage(): Promise<void> {
  const exps = (await mlflowPost<{ experiments?: Experiment[] }>('experiments/search', { max_results: 1000 })).experiments ?? [];
  show(
    h('h1', {}, 'Experiments'),
    h(
      'table',
      { class: 'experiments' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'ID'), h('th', { scope: 'col' }, 'Created'))),
      h('tbody', {}, exps.map((e) => h('tr', {}, h('td', {}, h('a', { href: `#/experiments/${e.experiment_id}` }, e.name)), h('td', { class: 'num' }, e.experiment_id), h('td', {}, fmtTime(e.creation_time))))),
    ),
  );
}
