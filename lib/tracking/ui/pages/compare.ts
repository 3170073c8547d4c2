// Any selection of runs side by side: a chart per chosen metric with a line per run, and the runs
// table with sortable param and metric columns.
import { buildStudy } from '../core/study';
import { pointsPerRun } from '../../series-choice';
import { h } from '../dom/h';
import { defaultKeys } from '../core/study-keys';
import { CompareSection } from '../views/compare';
import { TrialsTable } from '../views/trials-table';
import { compareIds, MAX_COMPARE_RUNS, takeCompareWave } from './compare-wave';
import { crumbs, openRun, show } from './shell';

/** `#/compare?exp=EXPERIMENT&runs=ID,ID,...` (runs of any experiments without `exp`) */
export async function comparePage(query: URLSearchParams): Promise<void> {
  const ids = compareIds(query);
  if (ids.length === 0) {
    show(crumbs(h('a', { href: '#/' }, 'Experiments'), 'Compare'), h('h1', {}, 'Compare runs'), h('p', { class: 'muted' }, 'no runs selected: tick runs in an experiment\'s table and press "Compare selected runs"'));
    return;
  }
  // The requests may have been started by the page's boot script before this code loaded.
  const wave = takeCompareWave(query);
  const runs = await wave.runs;
  const study = buildStudy(undefined, runs);
  const keys = [...new Set(study.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const visible = new Set(study.trials.map((t) => t.runId));
  const table = new TrialsTable();
  const render = () => {
    compare.render(study, wave.series.byRun, visible, keys, false);
    table.render(study);
  };
  const load = (want: readonly string[]) => wave.series.load(runs.map((r) => r.info.run_id), want, pointsPerRun(runs.length));
  const compare = new CompareSection((want) => void load(want).then(render), openRun);
  compare.keys = defaultKeys(study, keys);
  await wave.seriesLoaded;
  await load(compare.keys);
  show(
    crumbs(h('a', { href: '#/' }, 'Experiments'), 'Compare'),
    h('h1', {}, `Compare ${runs.length} runs`),
    ids.length > MAX_COMPARE_RUNS ? h('p', { class: 'error' }, `showing the first ${MAX_COMPARE_RUNS} of ${ids.length} runs`) : null,
    h('section', { class: 'study-section compare' }, h('h2', {}, 'Metrics by step'), compare.el),
    h('section', { class: 'study-section trials' }, h('h2', {}, 'Runs'), table.el),
  );
  render();
}
