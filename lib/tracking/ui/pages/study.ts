// A study's page, the cockpit of a tuning run: progress as `dojo job wait` shows it, the trials'
// curves side by side, the space explored (parallel coordinates with brushing, history, slices,
// importances, contour), the trials table, the report and the parent run's details. While the study
// runs the page updates itself in place (polling; no reload, nothing rebuilt that did not change).
import type { StudyDetail } from '../../../hpo/api';
import type { Experiment, FileInfo, Run } from '../../types';
import { OBJECTIVE_AXIS, selected, studyAxes, type Brush } from '../core/filter';
import { buildStudy, type Study } from '../core/study';
import { pointsPerRun } from '../../series-choice';
import { artifactUrl, childrenOf, hpoStudy, listArtifacts, mlflowGet } from '../dom/api';
import { h } from '../dom/h';
import type { SeriesCache } from '../dom/series-cache';
import { defaultKeys, metricKeys, studyIdOf } from '../core/study-keys';
import { CompareSection } from '../views/compare';
import { contourView } from '../views/contour';
import { markEvents, type ExploreContext } from '../views/explore-context';
import { historyPlot } from '../views/history';
import { importanceBars, importancesOf } from '../views/importance';
import { ParallelPlot } from '../views/parallel';
import { ProgressView } from '../views/progress';
import { slicePlots } from '../views/slice';
import { TrialsTable } from '../views/trials-table';
import { crumbs, openRun, show, timed, type PageHandle } from './shell';

/** Resolves once what is on the page has been painted (soon anyway when the tab is hidden: no frames come). */
function painted(): Promise<void> {
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 200);
    requestAnimationFrame(() => setTimeout(() => (clearTimeout(fallback), resolve()), 0));
  });
}

/** How often a running study's page looks for news, unless `?poll=MS` says otherwise. */
const POLL_MS = 2000;

/** What changed in a trial that its curves could show: its state, end and the last steps of its metrics. */
function trialSignature(t: Study['trials'][number]): string {
  return `${t.state}|${t.endTime ?? ''}|${t.value ?? ''}|${t.intermediate.length}|${Object.entries(t.metrics)
    .map(([k, m]) => `${k}@${m.step}`)
    .join(',')}`;
}

/** What runPage has for a study's page besides its trials (it came with them: the run-page answer). */
export interface StudyPrefetch {
  /** The trials' series the server sent with the run (those charted first, chosen from tracking alone). */
  readonly series: SeriesCache;
  /** The parent run's details (params, metrics, tags, artifacts). */
  readonly details: Promise<HTMLElement>;
  /** The files of its `report/` folder. */
  readonly reportFiles: readonly FileInfo[];
}

/**
 * Renders the study of parent run `run` (its trial runs `kids`, the HPO service's view `live` when
 * linked) and keeps it live; `dispose()` stops the updates.
 */
export async function studyPage(run: Run, exp: Experiment, kids: Run[], live: StudyDetail | undefined, query: URLSearchParams, prefetch: StudyPrefetch): Promise<PageHandle> {
  const pollMs = Math.max(250, Number(query.get('poll')) || POLL_MS);
  const studyId = studyIdOf(run);
  let study = buildStudy(run, kids, live);
  const cache = prefetch.series;
  let brushes: Brush[] = [];
  const pair: { x?: string; y?: string } = {};
  let disposed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let renders = 0;

  const compare = new CompareSection(
    (keys) => void fetchSeries(study.trials.map((t) => t.runId), keys).then(renderAll),
    openRun,
  );
  compare.keys = defaultKeys(study, metricKeys(study));
  const wanted = () => [...new Set([...compare.keys, ...(study.live ? [] : [study.metric])])];
  const fetchSeries = (runIds: readonly string[], keys: readonly string[]) => cache.load(runIds, keys, pointsPerRun(study.trials.length));

  const progress = new ProgressView();
  const parallel = new ParallelPlot((b) => {
    brushes = b;
    renderAll();
  });
  const table = new TrialsTable();
  const filterBar = h('div', { class: 'filter-bar', 'aria-live': 'polite' });
  const explore = { history: h('div', { class: 'history' }), importance: h('div', { class: 'importance-wrap' }), slices: h('div'), contour: h('div') };
  const report = h('div', { class: 'report' });
  const exploreBox = h(
    'div',
    { class: 'explore' },
    parallel.el,
    h('div', { class: 'explore-grid' }, h('section', {}, h('h3', {}, 'Optimisation history'), explore.history), h('section', {}, h('h3', {}, 'Parameter importances (PED-ANOVA)'), explore.importance)),
    h('h3', {}, 'Slices'),
    explore.slices,
    h('h3', {}, 'Contour'),
    explore.contour,
  );
  markEvents(exploreBox, () => study, openRun);

  const importances: { of?: Study; values: Record<string, number> } = { values: {} };
  /** Draws the views at the top of the page: progress, filter line, compare charts and (unless told not to) the trials table. */
  function renderTop(visible: ReadonlySet<string>, withTable = true): void {
    progress.render(study);
    filterBar.replaceChildren(
      ...(brushes.length
        ? [
            `Showing ${visible.size} of ${study.trials.length} trials (range selected on ${brushes.map((b) => (b.axis === OBJECTIVE_AXIS ? study.metric : b.axis)).join(', ')}) `,
            h('button', { type: 'button', class: 'clear-filter', onclick: () => { brushes = []; renderAll(); } }, 'Clear filter'),
          ]
        : [`${study.trials.length} trials · drag along an axis of the parallel coordinates to filter every view`]),
    );
    filterBar.classList.toggle('active', brushes.length > 0);
    timed('compare', () => compare.render(study, cache.byRun, visible, metricKeys(study), true));
    if (withTable) renderTable(visible);
  }

  /**
   * The trials table, and about its height for its section while that is skipped off-screen (rows
   * of 28 px): the report's frame below it then sits where it will be (its lazy loading goes by that).
   */
  function renderTable(visible: ReadonlySet<string>): void {
    timed('table', () => table.render(study, visible));
    sizeTableSection();
  }

  function sizeTableSection(): void {
    const section = document.getElementById('s-trials');
    if (section) section.style.containIntrinsicSize = `auto ${100 + 28 * Number(table.el.getAttribute('data-rows'))}px`;
  }

  /** Draws the views that explore the space (below the compare charts). */
  function renderExplore(visible: ReadonlySet<string>): void {
    if (study.trials.length === 0) return;
    const ctx: ExploreContext = { study, axes: studyAxes(study), visible };
    // As wide as the page: drawn on the page.
    timed('parallel', () => parallel.render(ctx, brushes));
    timed('history', () => explore.history.replaceChildren(historyPlot(ctx)));
    // Importances use every complete trial (not the brushed ones): the HPO service's (as its report
    // shows them) when linked, else computed here once per study update.
    if (importances.of !== study) timed('importances', () => Object.assign(importances, { of: study, values: importancesOf(study) }));
    explore.importance.replaceChildren(importanceBars(importances.values));
    // (The contour picks its pair by the importances.)
    timed('contour', () => explore.contour.replaceChildren(contourView(ctx, importances.values, pair)));
    timed('slices', () => explore.slices.replaceChildren(slicePlots(ctx)));
  }

  /** Draws every view of the study in one go (a forced layout per chart costs more than it saves to split it). */
  function renderAll(): void {
    const visible = selected(study, brushes);
    renderTop(visible);
    renderExplore(visible);
    document.body.setAttribute('data-renders', String(++renders));
  }

  async function renderReport(listed?: readonly FileInfo[]): Promise<void> {
    const files = listed ?? (await listArtifacts(run, 'report').catch(() => []));
    const index = files.find((f) => f.path === 'report/index.html');
    report.replaceChildren(
      index
        ? h('iframe', { src: artifactUrl(run, 'report/index.html'), sandbox: 'allow-scripts', title: `report of study ${study.name}`, loading: 'lazy' })
        : h('p', { class: 'muted' }, study.closed ? 'no report/index.html in this run' : 'the report is written when the study ends'),
    );
  }

  let polls = 0;
  async function poll(): Promise<void> {
    timer = undefined;
    if (disposed) return;
    document.body.setAttribute('data-polls', String(++polls));
    try {
      const [parent, children, view] = await Promise.all([
        mlflowGet<{ run: Run }>('runs/get', { run_id: run.info.run_id }).then((r) => r.run),
        childrenOf(run),
        studyId ? hpoStudy(studyId) : Promise.resolve(undefined),
      ]);
      if (disposed) return;
      const before = new Map(study.trials.map((t) => [t.runId, trialSignature(t)]));
      const next = buildStudy(parent, children, view);
      const changed = next.trials.filter((t) => before.get(t.runId) !== trialSignature(t)).map((t) => t.runId);
      const wasClosed = study.closed;
      if (changed.length > 0 || next.finished !== study.finished || next.closed !== study.closed) {
        study = next;
        const available = metricKeys(study);
        if (compare.keys.length === 0) compare.keys = defaultKeys(study, available);
        // Only the runs that logged since the last look are read again.
        for (const id of changed) cache.forget(id);
        await fetchSeries(changed, wanted());
        if (disposed) return;
        renderAll();
        if (study.closed && !wasClosed) await renderReport();
      } else progress.render(study);
      progress.el.classList.remove('stale');
    } catch (e) {
      progress.el.classList.add('stale');
      progress.el.setAttribute('title', `live update failed: ${(e as Error).message}; trying again`);
    }
    // Until the study's run has ended: its report is uploaded after the last trial.
    if (!disposed && !study.closed) timer = setTimeout(() => void poll(), pollMs);
  }

  // The first curves, the run's artifacts and its report folder came with the run (the run-page
  // answer): what is still missing (a key only the HPO view named) is fetched now.
  const fetched = performance.now();
  const visible = selected(study, brushes);
  const [, details] = await Promise.all([fetchSeries(study.trials.map((t) => t.runId), wanted()), prefetch.details]);
  performance.measure('dojo:fetch-series', { start: fetched, end: performance.now() });
  // The trials and explore sections are empty in the first frame (see below): their content goes in after it.
  const sections: [string, string, Node[]][] = [
    ['compare', 'Compare trials', [compare.el]],
    ['explore', 'Explore the space', []],
    ['trials', 'Trials', []],
    ['report', 'Study report', [report]],
    ['details', 'Study run', [details]],
  ];
  show(
    crumbs(h('a', { href: '#/' }, 'Experiments'), h('a', { href: `#/experiments/${exp.experiment_id}` }, exp.name), run.info.run_name),
    h('h1', {}, `Study ${study.name}`),
    h('p', { class: 'meta' }, `${study.direction} ${study.metric}`, study.sampler ? ` · sampler ${study.sampler}` : '', study.pruner ? ` · pruner ${study.pruner}` : '', ` · run ${run.info.run_id}`),
    progress.el,
    h('nav', { class: 'sections', 'aria-label': 'sections of the study page' }, sections.map(([id, title]) => h('a', { href: `#/runs/${run.info.run_id}`, 'data-section': id, onclick: (e: Event) => { e.preventDefault(); document.getElementById(`s-${id}`)?.scrollIntoView(); } }, title))),
    filterBar,
    ...sections.map(([id, title, body]) => h('section', { id: `s-${id}`, class: `study-section ${id}${id === 'compare' || id === 'report' ? '' : ' below'}${id === 'explore' ? ' pending' : ''}` }, h('h2', {}, title), ...body)),
  );
  // First view: the top of the page (progress, compare charts) is drawn and painted, then the
  // trials table goes in below the screen (after that frame, which found its section off-screen:
  // it costs no layout or paint until it is scrolled to), then the views that explore the space;
  // "top painted" and "all drawn" are marked for the benchmark.
  renderTop(visible, false);
  await painted();
  document.getElementById('s-trials')?.append(table.el);
  renderTable(visible);
  document.body.setAttribute('data-top-painted-at', performance.now().toFixed(1));
  // (Another page may have opened meanwhile: then nothing more is drawn or polled.)
  if (!disposed) {
    // The report's frame once the top is painted: the report page it loads parses and runs its
    // scripts on this thread (about 20 ms), which held back the frame that paints the top.
    await renderReport(prefetch.reportFiles);
    document.getElementById('s-explore')?.append(exploreBox);
    renderExplore(visible);
    document.getElementById('s-explore')?.classList.remove('pending');
    document.body.setAttribute('data-renders', String(++renders));
    if (!study.closed) timer = setTimeout(() => void poll(), pollMs);
  }
  return {
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
