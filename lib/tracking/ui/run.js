// The run page: params, tags, datasets, metric charts, artifacts; for a parent run (an HPO study) also the
// best trial, the trials table and the study's report artifacts.
(function () {
  'use strict';
  const { api, searchAllRuns, metricHistory, h, fmtTime, fmtDuration, fmtNum, tag, param, metric, artifactUrl, status } = window.dojoUi;
  const { metricChart } = window.dojoCharts;
  const PREVIEW = /\.(svg|png|jpe?g|gif|html?)$/i;

  function kvTable(cls, list) {
    if (!list || list.length === 0) return h('p', { class: 'muted' }, 'none');
    return h('table', { class: 'kv ' + cls }, h('tbody', {}, list.map((x) => h('tr', {}, h('td', {}, x.key), h('td', {}, x.value)))));
  }

  function previewOf(run, path) {
    const url = artifactUrl(run, path);
    if (/\.html?$/i.test(path)) return h('div', { class: 'preview' }, h('h3', {}, path), h('iframe', { src: url, sandbox: 'allow-scripts', title: path }));
    return h('div', { class: 'preview' }, h('h3', {}, path), h('img', { src: url, alt: path }));
  }

  /** A lazily expanded artifact tree with download links and inline previews. */
  async function artifactTree(run, path, pane) {
    const res = await api('GET', 'artifacts/list', { run_id: run.info.run_id, path: path || undefined });
    const files = res.files || [];
    if (files.length === 0 && !path) return h('p', { class: 'muted' }, 'no artifacts');
    return h('ul', { class: 'artifacts' }, files.map((f) => {
      const name = f.path.split('/').pop();
      if (f.is_dir) {
        const li = h('li', {});
        let open = false;
        const label = h('span', { class: 'dir', onclick: async () => {
          open = !open;
          li.querySelector('ul')?.remove();
          if (open) li.append(await artifactTree(run, f.path, pane));
        } }, '▸ ' + name + '/');
        li.append(label);
        return li;
      }
      return h('li', {},
        h('a', { href: artifactUrl(run, f.path), download: name, class: 'file' }, name),
        h('span', { class: 'size' }, fmtNum(f.file_size) + ' B'),
        PREVIEW.test(name) ? h('button', { class: 'link', onclick: () => pane.replaceChildren(previewOf(run, f.path)) }, 'preview') : null);
    }));
  }

  /** The datasets a run used (runs/log-inputs): name, digest, context tag, source type and source; nothing without any. */
  function datasetsTable(run) {
    const inputs = (run.inputs && run.inputs.dataset_inputs) || [];
    if (inputs.length === 0) return [];
    const context = (i) => ((i.tags || []).find((t) => t.key === 'mlflow.data.context') || {}).value || '';
    return [h('h2', {}, 'Datasets'), h('table', { class: 'datasets' },
      h('thead', {}, h('tr', {}, ['Name', 'Digest', 'Context', 'Source type', 'Source'].map((x) => h('th', {}, x)))),
      h('tbody', {}, inputs.map((i) => h('tr', {},
        h('td', {}, i.dataset.name), h('td', {}, i.dataset.digest), h('td', {}, context(i)),
        h('td', {}, i.dataset.source_type), h('td', { class: 'source' }, i.dataset.source)))))];
  }

  /** Best trial, trials table and report artifacts of a study (a parent run). */
  async function studySection(run, kids) {
    const keys = [...new Set(kids.flatMap((k) => (k.data.metrics || []).map((m) => m.key)))];
    const key = tag(run, 'hpo.metric') && keys.includes(tag(run, 'hpo.metric')) ? tag(run, 'hpo.metric') : keys.includes('objective') ? 'objective' : keys.sort()[0];
    const maximize = tag(run, 'hpo.direction') === 'maximize';
    const scored = kids.filter((k) => Number.isFinite(Number(metric(k, key))));
    scored.sort((a, b) => (maximize ? -1 : 1) * (Number(metric(a, key)) - Number(metric(b, key))));
    const rest = kids.filter((k) => !scored.includes(k));
    const best = scored[0];
    const paramKeys = [...new Set(kids.flatMap((k) => (k.data.params || []).map((p) => p.key)))].sort();
    const table = h('table', { class: 'trials' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Trial'), h('th', {}, 'Status'), h('th', {}, key ? key + (maximize ? ' (max)' : ' (min)') : 'metric'), ...paramKeys.map((p) => h('th', {}, p)))),
      h('tbody', {}, [...scored, ...rest].map((k) => h('tr', { class: k === best ? 'best' : '' },
        h('td', {}, h('a', { href: '#/runs/' + k.info.run_id }, k.info.run_name)),
        h('td', {}, status(k.info.status)),
        h('td', { class: 'num' }, fmtNum(metric(k, key))),
        ...paramKeys.map((p) => h('td', {}, param(k, p) ?? ''))))));
    const out = [h('h2', {}, 'Study: ' + kids.length + ' trials')];
    out.push(best
      ? h('p', { class: 'best-trial' }, 'Best trial: ', h('a', { href: '#/runs/' + best.info.run_id }, best.info.run_name), ' — ' + key + ' = ' + fmtNum(metric(best, key)))
      : h('p', { class: 'muted' }, 'no trial has reported a metric yet'));
    out.push(h('div', { class: 'scroll' }, table));
    const report = (await api('GET', 'artifacts/list', { run_id: run.info.run_id, path: 'report' })).files || [];
    const previews = report.filter((f) => !f.is_dir && PREVIEW.test(f.path));
    if (previews.length) out.push(h('h2', {}, 'Study report'), h('div', { class: 'report' }, previews.map((f) => previewOf(run, f.path))));
    return out;
  }

  async function runPage(runId) {
    const run = (await api('GET', 'runs/get', { run_id: runId })).run;
    const info = run.info;
    const exp = (await api('GET', 'experiments/get', { experiment_id: info.experiment_id })).experiment;
    const parentId = tag(run, 'mlflow.parentRunId');
    const [kids, parent] = await Promise.all([
      searchAllRuns({ experiment_ids: [info.experiment_id], filter: "tags.`mlflow.parentRunId` = '" + info.run_id + "'" }),
      parentId ? api('GET', 'runs/get', { run_id: parentId }).then((r) => r.run, () => undefined) : undefined,
    ]);
    const metricKeys = (run.data.metrics || []).map((m) => m.key).sort();
    const charts = h('div', { class: 'charts' });
    const pane = h('div', {});
    const page = [
      h('div', { class: 'crumbs' }, h('a', { href: '#/' }, 'Experiments'), ' / ', h('a', { href: '#/experiments/' + exp.experiment_id }, exp.name),
        parent ? [' / ', h('a', { href: '#/runs/' + parent.info.run_id }, parent.info.run_name)] : null, ' / ', info.run_name),
      h('h1', {}, info.run_name, ' ', status(info.status)),
      h('div', { class: 'meta' }, h('span', {}, 'Run ID ' + info.run_id), h('span', {}, 'Started ' + fmtTime(info.start_time)), h('span', {}, 'Duration ' + fmtDuration(info.start_time, info.end_time)),
        info.lifecycle_stage === 'deleted' ? h('span', { class: 'error' }, 'deleted') : null),
    ];
    if (kids.length) page.push(...(await studySection(run, kids)));
    page.push(
      h('div', { class: 'cols' },
        h('section', {}, h('h2', {}, 'Parameters'), kvTable('params', run.data.params)),
        h('section', {}, h('h2', {}, 'Metrics (latest)'), kvTable('latest', (run.data.metrics || []).map((m) => ({ key: m.key, value: fmtNum(m.value) + ' @ step ' + m.step })))),
        h('section', {}, h('h2', {}, 'Tags'), kvTable('tags', run.data.tags))),
      ...datasetsTable(run),
      h('h2', {}, 'Metric charts'), metricKeys.length ? charts : h('p', { class: 'muted' }, 'no metrics'),
      h('h2', {}, 'Artifacts'), await artifactTree(run, '', pane), pane,
    );
    window.dojoPages.show(...page);
    const histories = await Promise.all(metricKeys.map((k) => metricHistory(info.run_id, k)));
    const width = Math.max(360, Math.min(640, charts.clientWidth - 20));
    metricKeys.forEach((k, i) => charts.append(metricChart(k, histories[i], width)));
  }

  window.dojoPages.runPage = runPage;
})();
