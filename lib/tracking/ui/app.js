// Pages of the tracking UI, routed by the URL hash:
//   #/                      experiments
//   #/experiments/ID?filter  runs table (children grouped under their parent, sortable, filter box)
//   #/runs/RUN_ID           run page (params, tags, metric charts, artifacts; study view for parents)
(function () {
  'use strict';
  const { api, searchAllRuns, h, fmtTime, fmtDuration, fmtNum, tag, param, metric, status } = window.dojoUi;
  const app = document.getElementById('app');
  const PARENT = 'mlflow.parentRunId';

  function show(...nodes) {
    app.replaceChildren(...nodes);
  }

  async function experimentsPage() {
    const res = await api('POST', 'experiments/search', { max_results: 1000 });
    const exps = res.experiments || [];
    const rows = exps.map((e) =>
      h('tr', {}, h('td', {}, h('a', { href: '#/experiments/' + e.experiment_id }, e.name)), h('td', { class: 'num' }, e.experiment_id), h('td', {}, fmtTime(e.creation_time))),
    );
    show(h('h1', {}, 'Experiments'), h('table', { class: 'experiments' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'ID'), h('th', {}, 'Created'))), h('tbody', {}, rows)));
  }

  /** Column definitions of the runs table: label, value getter, numeric or not. */
  function runColumns(runs) {
    const params = [...new Set(runs.flatMap((r) => (r.data.params || []).map((p) => p.key)))].sort();
    const metrics = [...new Set(runs.flatMap((r) => (r.data.metrics || []).map((m) => m.key)))].sort();
    return [
      { id: 'name', label: 'Name', get: (r) => r.info.run_name },
      { id: 'status', label: 'Status', get: (r) => r.info.status },
      { id: 'start', label: 'Start', get: (r) => Number(r.info.start_time), num: true, show: (r) => fmtTime(r.info.start_time) },
      { id: 'duration', label: 'Duration', get: (r) => (r.info.end_time || Date.now()) - r.info.start_time, num: true, show: (r) => fmtDuration(r.info.start_time, r.info.end_time) },
      ...params.map((k) => ({ id: 'params.' + k, label: k, group: 'param', get: (r) => param(r, k) })),
      ...metrics.map((k) => ({ id: 'metrics.' + k, label: k, group: 'metric', num: true, get: (r) => metric(r, k), show: (r) => fmtNum(metric(r, k)) })),
    ];
  }

  function compareBy(col, dir) {
    return (a, b) => {
      const x = col.get(a);
      const y = col.get(b);
      const missX = x === undefined || x === null || x === '';
      const missY = y === undefined || y === null || y === '';
      if (missX || missY) return missX === missY ? 0 : missX ? 1 : -1; // missing values last both ways
      const c = col.num ? Number(x) - Number(y) : String(x).localeCompare(String(y), undefined, { numeric: true });
      return dir === 'asc' ? c : -c;
    };
  }

  async function runsPage(expId, query) {
    const filter = query.get('filter') || '';
    const exp = (await api('GET', 'experiments/get', { experiment_id: expId })).experiment;
    const input = h('input', { name: 'filter', value: filter, placeholder: "metrics.val_rmse < 5 AND params.optimizer = 'Adam'", spellcheck: 'false' });
    const form = h('form', {
      class: 'filter',
      onsubmit: (ev) => {
        ev.preventDefault();
        window.location.hash = '#/experiments/' + expId + (input.value ? '?filter=' + encodeURIComponent(input.value) : '');
      },
    }, input, h('button', { type: 'submit' }, 'Search'));
    const head = [h('div', { class: 'crumbs' }, h('a', { href: '#/' }, 'Experiments'), ' / ', exp.name), h('h1', {}, exp.name), form];
    let runs;
    try {
      runs = await searchAllRuns({ experiment_ids: [expId], filter: filter || undefined });
    } catch (e) {
      show(...head, h('div', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    const byId = new Map(runs.map((r) => [r.info.run_id, r]));
    const children = new Map();
    const top = [];
    for (const r of runs) {
      const p = tag(r, PARENT);
      if (p && byId.has(p)) {
        if (!children.has(p)) children.set(p, []);
        children.get(p).push(r);
      } else top.push(r);
    }
    const cols = runColumns(runs);
    const state = { sort: 'start', dir: 'desc', collapsed: new Set() };
    const wrap = h('div', { class: 'scroll' });
    const render = () => {
      const col = cols.find((c) => c.id === state.sort) || cols[2];
      const cmp = compareBy(col, state.dir);
      const rows = [];
      const row = (r, isChild) => {
        const kids = children.get(r.info.run_id) || [];
        const toggle = kids.length
          ? h('button', { class: 'toggle', title: 'show/hide child runs', onclick: () => { if (!state.collapsed.delete(r.info.run_id)) state.collapsed.add(r.info.run_id); render(); } }, (state.collapsed.has(r.info.run_id) ? '▸ ' : '▾ ') + kids.length)
          : null;
        return h('tr', { class: isChild ? 'child' : kids.length ? 'parent' : '', 'data-run-id': r.info.run_id },
          h('td', {}, toggle, h('a', { href: '#/runs/' + r.info.run_id }, r.info.run_name)),
          h('td', {}, status(r.info.status)),
          ...cols.slice(2).map((c) => h('td', { class: c.num ? 'num' : '' }, c.show ? c.show(r) : c.get(r) ?? '')));
      };
      for (const r of [...top].sort(cmp)) {
        rows.push(row(r, false));
        if (!state.collapsed.has(r.info.run_id)) for (const k of [...(children.get(r.info.run_id) || [])].sort(cmp)) rows.push(row(k, true));
      }
      const ths = cols.map((c) => h('th', {
        class: 'sortable' + (c.id === state.sort ? ' sorted ' + state.dir : ''),
        title: c.group ? c.group + ' ' + c.label : c.label,
        onclick: () => { state.dir = state.sort === c.id && state.dir === 'desc' ? 'asc' : 'desc'; state.sort = c.id; render(); },
      }, c.label));
      const groups = h('tr', {}, h('th', { colspan: 4 }, ''), ...['param', 'metric'].map((g) => {
        const n = cols.filter((c) => c.group === g).length;
        return n ? h('th', { colspan: n, class: 'group' }, g === 'param' ? 'Parameters' : 'Metrics (latest)') : null;
      }));
      wrap.replaceChildren(h('table', { class: 'runs' }, h('thead', {}, groups, h('tr', {}, ths)), h('tbody', {}, rows)));
    };
    render();
    show(...head, h('p', { class: 'meta' }, runs.length + ' runs'), wrap);
  }

  window.dojoPages = { show, experimentsPage, runsPage };
})();
