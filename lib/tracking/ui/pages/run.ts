// A run's page; a study's parent run opens the study's page instead.
import type { Experiment, Run } from '../../types';
import { fmtDuration, fmtTime } from '../core/format';
import { buildStudy } from '../core/study';
import { childrenOf, hpoStudy, listArtifacts, metricHistory, mlflowGet, pointsPerRun } from '../dom/api';
import { h } from '../dom/h';
import { SeriesCache } from '../dom/series-cache';
import { metricChart } from '../views/run-charts';
import { runDetails } from '../views/run-details';
import { crumbs, runLink, show, type PageHandle } from './shell';
import { initialKeys, studyIdOf, studyPage } from './study';

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
  const run = (await mlflowGet<{ run: Run }>('runs/get', { run_id: runId })).run;
  const info = run.info;
  const parentId = run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;
  const studyId = studyIdOf(run);
  const tagged = studyId !== undefined || run.data.tags?.some((t) => t.key === 'hpo.role' && t.value === 'study') === true;
  const fetched = performance.now();
  // One wave of requests: a study's trial curves are fetched as soon as its trial runs are known
  // (in parallel with the HPO view), its details and report with them; each awaited where drawn.
  // The HPO view first: the server fetches it from the HPO service (a second hop), so asked first
  // it is not queued behind the other answers.
  const liveP = studyId ? hpoStudy(studyId) : Promise.resolve(undefined);
  const kidsP = childrenOf(run);
  const details = runDetails(run);
  const series = new SeriesCache();
  const seriesLoaded = kidsP.then((kids) => (kids.length > 0 ? series.load(kids.map((k) => k.info.run_id), initialKeys(buildStudy(run, kids)), pointsPerRun(kids.length)) : undefined));
  const reportFiles = tagged ? listArtifacts(run, 'report') : undefined;
  // Awaited later (or not at all when the page fails first): no unhandled rejection meanwhile.
  for (const p of [details, seriesLoaded, reportFiles]) p?.catch(() => undefined);
  const [exp, kids, parent, live] = await Promise.all([
    mlflowGet<{ experiment: Experiment }>('experiments/get', { experiment_id: info.experiment_id }).then((r) => r.experiment),
    kidsP,
    parentId ? mlflowGet<{ run: Run }>('runs/get', { run_id: parentId }).then((r) => r.run, () => undefined) : Promise.resolve(undefined),
    liveP,
  ]);
  performance.measure('dojo:fetch-runs', { start: fetched, end: performance.now() });
  if (kids.length > 0 || tagged) return studyPage(run, exp, kids, live, query, { series, seriesLoaded, details, reportFiles: reportFiles ?? listArtifacts(run, 'report') });
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
