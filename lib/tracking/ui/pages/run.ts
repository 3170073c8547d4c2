// A run's page; a study's parent run opens the study's page instead.
import type { Run } from '../../types';
import { fmtDuration, fmtTime } from '../core/format';
import { buildStudy } from '../core/study';
import { metricHistory } from '../dom/api';
import { h } from '../dom/h';
import { metricChart } from '../views/run-charts';
import { runDetails } from '../views/run-details';
import { crumbs, runLink, show, type PageHandle } from './shell';
import { takeRunWave } from './run-wave';
import { studyPage } from './study';

/** MLflow's status, or for a trial its state in the study's words. */
function statusOf(run: Run, parent: Run | undefined): HTMLElement {
  if (parent && run.data.tags?.some((t) => t.key === 'hpo.trial_number')) {
    const t = buildStudy(parent, [run]).trials[0]!;
    return h('span', { class: `state ${t.state}`, title: t.reason ?? null }, t.words);
  }
  return h('span', { class: `status ${run.info.status}` }, run.info.status);
}

/** `#/runs/ID` */
export async function runPage(runId: string, query: URLSearchParams): Promise<PageHandle | void> {
  // The requests may have been started by the page's boot script before this code loaded.
  const wave = await takeRunWave(runId).data;
  const { run, tagged } = wave;
  const info = run.info;
  const fetched = performance.now();
  const details = runDetails(run, wave.files);
  details.catch(() => undefined);
  const { exp, kids, live } = wave;
  const parent = await wave.parent;
  performance.measure('dojo:fetch-runs', { start: fetched, end: performance.now() });
  if (kids.length > 0 || tagged) return studyPage(run, exp, kids, live, query, { series: wave.series, details, reportFiles: wave.reportFiles });
  const keys = (run.data.metrics ?? []).map((m) => m.key).sort();
  const charts = h('div', { class: 'charts' });
  show(
    crumbs(h('a', { href: '#/' }, 'Experiments'), h('a', { href: `#/experiments/${exp.experiment_id}` }, exp.name), parent ? runLink(parent.info.run_id, parent.info.run_name) : null, info.run_name),
    h('h1', {}, info.run_name, ' ', statusOf(run, parent)),
    h('div', { class: 'meta' }, h('span', {}, `Run ID ${info.run_id}`), h('span', {}, `Started ${fmtTime(info.start_time)}`), h('span', {}, `Duration ${fmtDuration(info.start_time, info.end_time)}`), info.lifecycle_stage === 'deleted' ? h('span', { class: 'error' }, 'deleted') : null),
    h('h2', {}, 'Metric charts'),
    keys.length ? charts : h('p', { class: 'muted' }, 'no metrics'),
    await details,
  );
  const histories = await Promise.all(keys.map((k) => metricHistory(info.run_id, k)));
  const width = Math.max(360, Math.min(640, charts.clientWidth - 20));
  keys.forEach((k, i) => charts.append(metricChart(k, histories[i]!, width)));
}
