// Any selection of runs side by side: a chart per chosen metric with a line per run, and the runs
// table with sortable param and metric columns.
import type { Series } from '../../store/downsample';
import type { Run } from '../../types';
import { buildStudy } from '../core/study';
import { mlflowGet, pointsPerRun, searchAllRuns, seriesOf } from '../dom/api';
import { h } from '../dom/h';
import { defaultKeys } from '../core/study-keys';
import { CompareSection } from '../views/compare';
import { TrialsTable } from '../views/trials-table';
import { crumbs, openRun, show } from './shell';

/** Most runs one compare page draws. */
const MAX_RUNS = 200;

/** The runs `ids` of experiment `exp`, in the order given (100 ids per search, the searches in parallel). */
async function runsOf(exp: string, ids: readonly string[]): Promise<Run[]> {
  const found = new Map<string, Run>();
  const searches: Promise<Run[]>[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const filter = `attributes.run_id IN (${ids.slice(i, i + 100).map((id) => `'${id}'`).join(', ')})`;
    searches.push(searchAllRuns({ experiment_ids: [exp], filter }));
  }
  for (const runs of await Promise.all(searches)) for (const r of runs) found.set(r.info.run_id, r);
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** `#/compare?exp=EXPERIMENT&runs=ID,ID,...` (runs of any experiments without `exp`) */
export async function comparePage(query: URLSearchParams): Promise<void> {
  const ids = [...new Set((query.get('runs') ?? '').split(',').map((x) => x.trim()).filter((x) => /^[0-9a-zA-Z]+$/.test(x)))];
  if (ids.length === 0) {
    show(crumbs(h('a', { href: '#/' }, 'Experiments'), 'Compare'), h('h1', {}, 'Compare runs'), h('p', { class: 'muted' }, 'no runs selected: tick runs in an experiment\'s table and press "Compare selected runs"'));
    return;
  }
  const exp = query.get('exp');
  const wanted = ids.slice(0, MAX_RUNS);
  // Runs of one experiment come in a few searches; otherwise one by one.
  const runs = exp && /^\d+$/.test(exp) ? await runsOf(exp, wanted) : await Promise.all(wanted.map((id) => mlflowGet<{ run: Run }>('runs/get', { run_id: id }).then((r) => r.run)));
  const study = buildStudy(undefined, runs);
  const keys = [...new Set(study.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const series = new Map<string, Map<string, Series>>();
  const visible = new Set(study.trials.map((t) => t.runId));
  const table = new TrialsTable();
  const render = () => {
    compare.render(study, series, visible, keys, false);
    table.render(study);
  };
  const load = async (want: readonly string[]) => {
    const missing = want.filter((k) => ![...series.values()].some((m) => m.has(k)));
    for (const [id, byKey] of await seriesOf(runs.map((r) => r.info.run_id), missing, pointsPerRun(runs.length))) {
      if (!series.has(id)) series.set(id, new Map());
      for (const [k, s] of byKey) series.get(id)!.set(k, s);
    }
  };
  const compare = new CompareSection((want) => void load(want).then(render), openRun);
  compare.keys = defaultKeys(study, keys);
  await load(compare.keys);
  show(
    crumbs(h('a', { href: '#/' }, 'Experiments'), 'Compare'),
    h('h1', {}, `Compare ${runs.length} runs`),
    ids.length > MAX_RUNS ? h('p', { class: 'error' }, `showing the first ${MAX_RUNS} of ${ids.length} runs`) : null,
    h('section', { class: 'study-section compare' }, h('h2', {}, 'Metrics by step'), compare.el),
    h('section', { class: 'study-section trials' }, h('h2', {}, 'Runs'), table.el),
  );
  render();
}
