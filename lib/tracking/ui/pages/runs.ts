// An experiment's runs: children grouped under their parent (collapsible), sortable columns, a
// filter box with MLflow's search grammar, trials named by their state in the study's words, and a
// selection of runs to compare.
import type { Experiment, Run } from '../../types';
import { fmtDuration, fmtNum, fmtTime } from '../core/format';
import { buildStudy, type Trial } from '../core/study';
import { compareBy, type Column, type SortDir } from '../core/table';
import { mlflowGet, searchAllRuns } from '../dom/api';
import { h } from '../dom/h';
import { crumbs, show } from './shell';

const PARENT = 'mlflow.parentRunId';
const tagOf = (r: Run, k: string) => r.data.tags?.find((t) => t.key === k)?.value;

function columns(runs: readonly Run[]): Column<Run>[] {
  const params = [...new Set(runs.flatMap((r) => (r.data.params ?? []).map((p) => p.key)))].sort();
  const metrics = [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))].sort();
  const param = (r: Run, k: string) => r.data.params?.find((p) => p.key === k)?.value;
  const metric = (r: Run, k: string) => r.data.metrics?.find((m) => m.key === k)?.value;
  return [
    { id: 'name', label: 'Name', get: (r) => r.info.run_name },
    { id: 'status', label: 'Status', get: (r) => r.info.status },
    { id: 'start', label: 'Start', num: true, get: (r) => Number(r.info.start_time), show: (r) => fmtTime(r.info.start_time) },
    { id: 'duration', label: 'Duration', num: true, get: (r) => (r.info.end_time ?? Date.now()) - r.info.start_time, show: (r) => fmtDuration(r.info.start_time, r.info.end_time) },
    ...params.map((k): Column<Run> => ({ id: `params.${k}`, label: k, group: 'param', get: (r) => param(r, k) })),
    ...metrics.map((k): Column<Run> => ({ id: `metrics.${k}`, label: k, group: 'metric', num: true, get: (r) => metric(r, k), show: (r) => fmtNum(metric(r, k)) })),
  ];
}

/** `#/experiments/ID?filter=...` */
export async function runsPage(expId: string, query: URLSearchParams): Promise<void> {
  const filter = query.get('filter') ?? '';
  const exp = (await mlflowGet<{ experiment: Experiment }>('experiments/get', { experiment_id: expId })).experiment;
  const input = h('input', { name: 'filter', value: filter, placeholder: "metrics.val_rmse < 5 AND params.optimizer = 'Adam'", spellcheck: 'false', 'aria-label': 'filter runs' });
  const form = h(
    'form',
    {
      class: 'filter',
      role: 'search',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        window.location.hash = `#/experiments/${expId}${input.value ? `?filter=${encodeURIComponent(input.value)}` : ''}`;
      },
    },
    input,
    h('button', { type: 'submit' }, 'Search'),
  );
  const head = [crumbs(h('a', { href: '#/' }, 'Experiments'), exp.name), h('h1', {}, exp.name), form];
  let runs: Run[];
  try {
    runs = await searchAllRuns({ experiment_ids: [expId], filter: filter || undefined });
  } catch (e) {
    show(...head, h('div', { class: 'error', role: 'alert' }, (e as Error).message));
    return;
  }
  const byId = new Map(runs.map((r) => [r.info.run_id, r]));
  const children = new Map<string, Run[]>();
  const top: Run[] = [];
  for (const r of runs) {
    const p = tagOf(r, PARENT);
    if (p && byId.has(p)) children.set(p, [...(children.get(p) ?? []), r]);
    else top.push(r);
  }
  // Trials of a study read in the study's words (pruned at step 400), not MLflow's (KILLED).
  const trials = new Map<string, Trial>();
  for (const [p, kids] of children) for (const t of buildStudy(byId.get(p), kids).trials) trials.set(t.runId, t);
  const cols = columns(runs);
  const state: { sort: string; dir: SortDir; collapsed: Set<string>; picked: Set<string> } = { sort: 'start', dir: 'desc', collapsed: new Set(), picked: new Set() };
  const wrap = h('div', { class: 'scroll' });
  const compare = h('button', { type: 'button', class: 'compare-picked', disabled: true, onclick: () => (window.location.hash = `#/compare?exp=${expId}&runs=${[...state.picked].join(',')}`) }, 'Compare selected runs');
  const render = () => {
    const col = cols.find((c) => c.id === state.sort) ?? cols[2]!;
    const cmp = compareBy(col, state.dir);
    const rows: HTMLElement[] = [];
    const row = (r: Run, isChild: boolean) => {
      const id = r.info.run_id;
      const kids = children.get(id) ?? [];
      const toggle = kids.length
        ? h('button', { type: 'button', class: 'toggle', 'aria-expanded': String(!state.collapsed.has(id)), title: 'show/hide child runs', onclick: () => {
              if (!state.collapsed.delete(id)) state.collapsed.add(id);
              render();
            },
          }, (state.collapsed.has(id) ? '▸ ' : '▾ ') + kids.length)
        : null;
      const pick = h('input', {
        type: 'checkbox',
        class: 'pick',
        'aria-label': `select ${r.info.run_name} to compare`,
        checked: state.picked.has(id),
        onchange: (e: Event) => {
          if ((e.target as HTMLInputElement).checked) state.picked.add(id);
          else state.picked.delete(id);
          compare.disabled = state.picked.size === 0;
        },
      });
      const trial = trials.get(id);
      const status = trial ? h('span', { class: `state ${trial.state}`, title: trial.reason ?? null }, trial.words) : h('span', { class: `status ${r.info.status}` }, r.info.status);
      return h(
        'tr',
        { class: isChild ? 'child' : kids.length ? 'parent' : '', 'data-run-id': id },
        h('td', {}, pick, toggle, h('a', { href: `#/runs/${id}` }, r.info.run_name)),
        h('td', {}, status),
        ...cols.slice(2).map((c) => {
          const text = c.show ? c.show(r) : String(c.get(r) ?? '');
          return h('td', { class: c.num ? 'num' : 'text', title: text.length > 24 ? text : null }, text);
        }),
      );
    };
    for (const r of [...top].sort(cmp)) {
      rows.push(row(r, false));
      if (!state.collapsed.has(r.info.run_id)) for (const k of [...(children.get(r.info.run_id) ?? [])].sort(cmp)) rows.push(row(k, true));
    }
    const ths = cols.map((c) =>
      h(
        'th',
        { scope: 'col', class: `sortable${c.id === state.sort ? ` sorted ${state.dir}` : ''}`, 'aria-sort': c.id === state.sort ? (state.dir === 'asc' ? 'ascending' : 'descending') : null, title: c.group ? `${c.group} ${c.label}` : c.label },
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              state.dir = state.sort === c.id && state.dir === 'desc' ? 'asc' : 'desc';
              state.sort = c.id;
              render();
            },
          },
          c.label,
        ),
      ),
    );
    const groups = h(
      'tr',
      {},
      h('th', { colspan: 4 }, ''),
      (['param', 'metric'] as const).map((g) => {
        const n = cols.filter((c) => c.group === g).length;
        return n ? h('th', { colspan: n, class: 'group' }, g === 'param' ? 'Parameters' : 'Metrics (latest)') : null;
      }),
    );
    wrap.replaceChildren(h('table', { class: 'runs' }, h('thead', {}, groups, h('tr', {}, ths)), h('tbody', {}, rows)));
  };
  render();
  show(...head, h('p', { class: 'meta' }, `${runs.length} runs `, compare), wrap);
}
