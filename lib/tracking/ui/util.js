// Helpers of the tracking UI: API calls, a tiny DOM builder (text only, never innerHTML), formats.
(function () {
  'use strict';
  const API = '/ajax-api/2.0/mlflow/';

  /** Calls the MLflow API; throws an Error carrying MLflow's message for error answers. */
  async function api(method, endpoint, body) {
    const opts = { method };
    let url = API + endpoint;
    if (method === 'GET' && body) {
      const qs = new window.URLSearchParams();
      for (const [k, v] of Object.entries(body)) if (v !== undefined) qs.append(k, String(v));
      url += '?' + qs.toString();
    } else if (body) {
      opts.body = JSON.stringify(body);
      opts.headers = { 'Content-Type': 'application/json' };
    }
    const res = await fetch(url, opts);
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch { json = { message: text }; }
    if (!res.ok) throw new Error((json.error_code ? json.error_code + ': ' : '') + (json.message || res.status));
    return json;
  }

  /** Every run of a search, following page tokens (at most `limit`). */
  async function searchAllRuns(body, limit) {
    const runs = [];
    let token;
    do {
      const page = await api('POST', 'runs/search', Object.assign({}, body, { max_results: 1000, page_token: token }));
      runs.push(...(page.runs || []));
      token = page.next_page_token;
    } while (token && runs.length < (limit || 5000));
    return runs;
  }

  /** Every point of a metric's history, following page tokens should the server answer pages. */
  async function metricHistory(runId, key) {
    const points = [];
    let token;
    do {
      const page = await api('GET', 'metrics/get-history', { run_id: runId, metric_key: key, page_token: token });
      points.push(...(page.metrics || []));
      token = page.next_page_token;
    } while (token);
    return points;
  }

  /** Builds an element: h('a', {href: '#'}, 'text', child). Strings become text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof window.Node ? c : document.createTextNode(String(c)));
    return el;
  }

  function fmtTime(ms) {
    if (!ms) return '';
    const d = new Date(Number(ms));
    return d.toISOString().replace('T', ' ').slice(0, 19);
  }

  function fmtDuration(start, end) {
    if (!start) return '';
    const s = Math.max(0, ((end ? Number(end) : Date.now()) - Number(start)) / 1000);
    if (s < 60) return s.toFixed(1) + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + Math.round(s % 60) + 's';
    return Math.floor(s / 3600) + 'h ' + Math.round((s % 3600) / 60) + 'm';
  }

  function fmtNum(v) {
    if (v === undefined || v === null || v === '') return '';
    const n = Number(v);
    if (!Number.isFinite(n)) return String(v);
    if (n !== 0 && (Math.abs(n) < 1e-3 || Math.abs(n) >= 1e6)) return n.toExponential(3);
    return String(Number(n.toPrecision(5)));
  }

  const tag = (run, key) => ((run.data && run.data.tags) || []).find((t) => t.key === key)?.value;
  const param = (run, key) => ((run.data && run.data.params) || []).find((p) => p.key === key)?.value;
  const metric = (run, key) => ((run.data && run.data.metrics) || []).find((m) => m.key === key)?.value;

  /** The proxied download URL of a run's artifact. */
  function artifactUrl(run, path) {
    const rel = run.info.artifact_uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '');
    return '/api/2.0/mlflow-artifacts/artifacts/' + (rel + '/' + path).split('/').map(encodeURIComponent).join('/');
  }

  function status(s) {
    return h('span', { class: 'status ' + s }, s);
  }

  window.dojoUi = { api, searchAllRuns, metricHistory, h, fmtTime, fmtDuration, fmtNum, tag, param, metric, artifactUrl, status };
})();
