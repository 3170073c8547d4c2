// The parts of a run page that any run has: parameters, latest metrics, tags, datasets, artifacts.
import type { FileInfo, Run } from '../../types';
import { fmtNum } from '../core/format';
import { h } from '../dom/h';
import { artifactTree } from './artifacts';
import { longValue } from './long-value';

/** A key/value table whose long values are cut (the full value one click away). */
export function kvTable(cls: string, list: readonly { key: string; value: string }[] | undefined): HTMLElement {
  if (!list || list.length === 0) return h('p', { class: 'muted' }, 'none');
  return h('table', { class: `kv ${cls}` }, h('tbody', {}, list.map((x) => h('tr', {}, h('th', { scope: 'row' }, x.key), h('td', {}, longValue(x.value))))));
}

/** The datasets a run used (runs/log-inputs); nothing when it has none. */
export function datasetsTable(run: Run): HTMLElement[] {
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length === 0) return [];
  const context = (tags: readonly { key: string; value: string }[] | undefined) => tags?.find((t) => t.key === 'mlflow.data.context')?.value ?? '';
  return [
    h('h2', {}, 'Datasets'),
    h(
      'table',
      { class: 'datasets' },
      h('thead', {}, h('tr', {}, ['Name', 'Digest', 'Context', 'Source type', 'Source'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, inputs.map((i) => h('tr', {}, h('td', {}, i.dataset.name), h('td', {}, i.dataset.digest), h('td', {}, context(i.tags)), h('td', {}, i.dataset.source_type), h('td', { class: 'source' }, longValue(i.dataset.source))))),
    ),
  ];
}

/** Parameters, latest metrics and tags side by side, datasets, and the artifacts with a viewer (`files`: its top folder, when already asked for). */
export async function runDetails(run: Run, files?: readonly FileInfo[]): Promise<HTMLElement> {
  const pane = h('div', { class: 'viewer-pane' });
  return h(
    'div',
    { class: 'run-details' },
    h(
      'div',
      { class: 'cols' },
      h('section', {}, h('h2', {}, 'Parameters'), kvTable('params', run.data.params)),
      h('section', {}, h('h2', {}, 'Metrics (latest)'), kvTable('latest', (run.data.metrics ?? []).map((m) => ({ key: m.key, value: `${fmtNum(m.value)} @ step ${m.step}` })))),
      h('section', { class: 'tags' }, h('h2', {}, 'Tags'), kvTable('tags', run.data.tags)),
    ),
    ...datasetsTable(run),
    h('h2', {}, 'Artifacts'),
    h('div', { class: 'artifacts-view' }, await artifactTree(run, '', pane, files), pane),
  );
}
