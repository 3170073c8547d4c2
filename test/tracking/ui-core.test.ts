import { describe, expect, it } from 'vitest';
import type { StudyDetail } from '../../lib/hpo/api';
import type { Run } from '../../lib/tracking';
import { artifactKind, parseCsv } from '../../lib/tracking/ui/core/csv';
import { OBJECTIVE_AXIS, passes, selected, studyAxes } from '../../lib/tracking/ui/core/filter';
import { fmtClock, fmtNum, logTicks, niceTicks } from '../../lib/tracking/ui/core/format';
import { progressLine, progressOf } from '../../lib/tracking/ui/core/progress';
import { bestTrial, buildStudy, parseParam } from '../../lib/tracking/ui/core/study';
import { compareBy, trialColumns } from '../../lib/tracking/ui/core/table';
import { importancesOf } from '../../lib/tracking/ui/views/importance';
import { pedAnovaImportances } from '../../lib/hpo/report/importance';

// The web UI's pure helpers (bundled for the browser, tested here in Node).

const SPACE = { lr: { type: 'float', low: 1e-4, high: 0.1, log: true }, optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] } } as const;

function run(id: string, o: { status?: string; tags?: Record<string, string>; params?: Record<string, string>; metrics?: Record<string, [number, number]>; start?: number; end?: number }): Run {
  return {
    info: { run_id: id, run_uuid: id, run_name: `r-${id}`, experiment_id: '1', status: (o.status ?? 'RUNNING') as Run['info']['status'], start_time: o.start ?? 1000, ...(o.end ? { end_time: o.end } : {}), artifact_uri: `mlflow-artifacts:/1/${id}/artifacts`, lifecycle_stage: 'active' },
    data: {
      tags: Object.entries(o.tags ?? {}).map(([key, value]) => ({ key, value })),
      params: Object.entries(o.params ?? {}).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(o.metrics ?? {}).map(([key, [value, step]]) => ({ key, value, step, timestamp: 0 })),
    },
  };
}

const parent = run('p', { status: 'RUNNING', start: 0, tags: { 'hpo.role': 'study', 'hpo.study': 'fare', 'hpo.study_id': '3', 'hpo.direction': 'minimize', 'hpo.metric': 'val_rmse', 'hpo.space': JSON.stringify(SPACE), 'hpo.spec': JSON.stringify({ name: 'fare', maxTrials: 10, pruner: { name: 'median' } }) } });
const trial = (n: number, state: string, extra: Parameters<typeof run>[1] = {}) =>
  run(`t${n}`, { start: 1000 + n, ...extra, tags: { 'hpo.trial_number': String(n), 'hpo.state': state, 'hpo.params': JSON.stringify({ lr: 0.001 * (n + 1), optimizer: n % 2 ? 'SGD' : 'Adam' }), ...extra.tags }, params: { lr: String(0.001 * (n + 1)), optimizer: n % 2 ? 'SGD' : 'Adam', num_features: '8' } });

describe('formatting', () => {
  it('numbers, clocks and ticks', () => {
    expect([fmtNum(2.123456), fmtNum(0.0001234), fmtNum(1234567), fmtNum(''), fmtNum('Adam'), fmtNum(NaN)]).toEqual(['2.1235', '1.234e-4', '1.235e+6', '', 'Adam', 'NaN']);
    expect([fmtClock(5), fmtClock(75), fmtClock(3725)]).toEqual(['0:05', '1:15', '1:02:05']);
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(2.31, 2.89, 5)).toEqual([2.4, 2.6, 2.8]);
    expect(niceTicks(2.31, 2.89, 10)).toEqual([2.4, 2.5, 2.6, 2.7, 2.8]);
    expect(logTicks(1e-4, 0.1)).toEqual([1e-4, 0.001, 0.01, 0.1]);
    expect(logTicks(2, 30)).toEqual([2, 5, 10, 20]);
    expect(parseParam('0.001')).toBe(0.001);
    expect(parseParam('1e-3')).toBe(0.001);
    expect(parseParam('Adam')).toBe('Adam');
    expect(parseParam('[7, 11]')).toBe('[7, 11]');
  });
});

describe('the study of a parent run', () => {
  const kids = [
    trial(0, 'complete', { status: 'FINISHED', end: 2000, metrics: { objective: [2.5, 0], val_rmse: [2.5, 100] } }),
    trial(1, 'pruned', { status: 'KILLED', end: 2100, metrics: { objective: [3.1, 0], val_rmse: [3.1, 40] } }),
    trial(2, 'failed', { status: 'FAILED', end: 2200, tags: { 'dojo.failure_reason': 'lost replica 2\n  at step 7', 'dojo.sampler': 'tpe' } }),
    trial(3, 'running', { metrics: { val_rmse: [2.9, 20] } }),
  ];

  it('from tracking alone: states in the study\'s words, typed params of the space, objective values', () => {
    const s = buildStudy(parent, kids);
    expect(s).toMatchObject({ name: 'fare', studyId: '3', direction: 'minimize', metric: 'val_rmse', maxTrials: 10, pruner: 'median', live: false, finished: false, closed: false });
    expect(s.trials.map((t) => t.words)).toEqual(['complete', 'pruned at step 40', 'failed: lost replica 2 at step 7', 'running']);
    expect(s.trials[0]!.params).toEqual({ lr: 0.001, optimizer: 'Adam' });
    expect(s.trials.map((t) => t.value)).toEqual([2.5, 3.1, undefined, undefined]);
    expect(s.trials[2]!.sampler).toBe('tpe');
    expect(bestTrial(s)?.number).toBe(0);
  });

  it('with the HPO service\'s view: its states (newer than tracking\'s) and the values the pruner saw', () => {
    const hpo = {
      id: 3, name: 'fare', direction: 'minimize', metric: 'val_rmse', state: 'running', maxTrials: 10, space: SPACE,
      sampler: { name: 'tpe', seed: 1 }, pruner: { name: 'median' }, counts: { running: 0, complete: 2, pruned: 1, failed: 1 }, best: null, createdAt: 0,
      trials: [
        { number: 0, state: 'complete', params: { lr: 0.001, optimizer: 'Adam' }, value: 2.5, intermediate: { '20': 3, '40': 2.7 }, runId: 't0', startedAt: 0 },
        { number: 1, state: 'pruned', params: { lr: 0.002, optimizer: 'SGD' }, value: 3.1, intermediate: { '20': 3.3, '60': 3.1 }, runId: 't1', startedAt: 0 },
        { number: 2, state: 'failed', params: { lr: 0.003, optimizer: 'Adam' }, intermediate: {}, runId: 't2', startedAt: 0, sampler: 'gp' },
        { number: 3, state: 'complete', params: { lr: 0.004, optimizer: 'SGD' }, value: 2.2, intermediate: { '20': 2.9 }, runId: 't3', startedAt: 0 },
      ],
    } as unknown as StudyDetail;
    const s = buildStudy(parent, kids, hpo);
    expect(s.live).toBe(true);
    expect(s.trials.map((t) => t.words)).toEqual(['complete', 'pruned at step 60', 'failed: lost replica 2 at step 7', 'complete']);
    expect(s.trials[1]!.intermediate).toEqual([[20, 3.3], [60, 3.1]]);
    expect(s.trials[2]!.sampler).toBe('gp');
    expect(bestTrial(s)?.number).toBe(3);
    // Importances: the service's when its view has them, else computed from the trials.
    expect(importancesOf(s)).toEqual(pedAnovaImportances({ space: SPACE, direction: 'minimize', trials: s.trials.map((t) => ({ state: t.state, params: { ...t.params }, ...(t.value !== undefined ? { value: t.value } : {}) })) }));
    const sent = { lr: 0.75, optimizer: 0.25 };
    expect(importancesOf(buildStudy(parent, kids, { ...hpo, importances: sent }))).toEqual(sent);
  });

  it('progress as `dojo job wait` says it: counts, best, elapsed and ETA at the pace so far', () => {
    const s = buildStudy(parent, kids);
    const p = progressOf(s, 31_000);
    expect(p).toMatchObject({ total: 10, done: 3, complete: 1, pruned: 1, failed: 1, running: 1, elapsedSec: 31, finished: false });
    expect(p.etaSec).toBeCloseTo((31 / 3) * 7, 9);
    expect(progressLine(s, p)).toBe('running · trials 3/10 done (1 complete, 1 pruned, 1 failed), 1 running · best val_rmse 2.5 (trial 0) · elapsed 0:31 · ETA 1:12');
    const done = buildStudy({ ...parent, info: { ...parent.info, status: 'FINISHED' } }, kids.slice(0, 3));
    expect(progressLine(done, progressOf(done, 99_000))).toBe('finished · trials 3/10 done (1 complete, 1 pruned, 1 failed), 0 running · best val_rmse 2.5 (trial 0) · elapsed 0:02');
  });

  it('runs without a study: states from MLflow statuses, params parsed, no objective', () => {
    const s = buildStudy(undefined, [run('a', { status: 'KILLED', params: { lr: '0.1', opt: 'SGD' } }), run('b', { status: 'FINISHED', end: 5000 })]);
    expect(s.trials.map((t) => [t.state, t.words])).toEqual([['pruned', 'pruned'], ['complete', 'complete']]);
    expect(s.trials[0]!.params).toEqual({ lr: 0.1, opt: 'SGD' });
    expect(s.finished).toBe(true);
    expect(buildStudy(undefined, [run('c', { status: 'RUNNING' })]).finished).toBe(false);
  });
});

describe('brushing and sorting', () => {
  const s = buildStudy(parent, [0, 1, 2, 3, 4, 5].map((n) => trial(n, 'complete', { status: 'FINISHED', metrics: { objective: [n, 0] } })));

  it('keeps the trials inside every brush, on numeric, log and categorical axes', () => {
    const axes = studyAxes(s);
    expect(axes.map((a) => a.name)).toEqual([OBJECTIVE_AXIS, 'lr', 'optimizer']);
    // Objective 0..5: the lower 40 % holds 0, 1 and 2.
    expect([...selected(s, [{ axis: OBJECTIVE_AXIS, lo: 0, hi: 0.4 }])].sort()).toEqual(['t0', 't1', 't2']);
    // SGD is the upper band of the optimizer axis (odd trials).
    expect([...selected(s, [{ axis: 'optimizer', lo: 0.5, hi: 1 }])].sort()).toEqual(['t1', 't3', 't5']);
    expect([...selected(s, [{ axis: OBJECTIVE_AXIS, lo: 0, hi: 0.4 }, { axis: 'optimizer', lo: 0.5, hi: 1 }])]).toEqual(['t1']);
    // lr is on a log axis of the space's range 1e-4..0.1: 0.001..0.006 sit between 1/3 and about 0.6.
    expect(selected(s, [{ axis: 'lr', lo: 0, hi: 1 / 3 - 1e-9 }]).size).toBe(0);
    expect(passes(s.trials[0]!, [{ axis: 'nope', lo: 0, hi: 0 }], axes)).toBe(true);
  });

  it('sorts by any column with missing values last both ways', () => {
    const cols = trialColumns(s);
    expect(cols.map((c) => c.label)).toEqual(['Trial', 'State', 'val_rmse (min)', 'lr', 'optimizer', 'objective', 'Start', 'Duration']);
    const value = cols.find((c) => c.id === 'value')!;
    const withMissing = [...buildStudy(parent, [trial(9, 'running'), ...[2, 1].map((n) => trial(n, 'complete', { metrics: { objective: [n, 0] } }))]).trials];
    expect(withMissing.sort(compareBy(value, 'asc')).map((t) => t.number)).toEqual([1, 2, 9]);
    expect(withMissing.sort(compareBy(value, 'desc')).map((t) => t.number)).toEqual([2, 1, 9]);
  });
});

describe('artifacts', () => {
  it('parses CSV with quotes, CRLF and a row limit', () => {
    expect(parseCsv('a,b\r\n"1,5","say ""hi"""\n\n3,4\n', 10)).toEqual({ rows: [['a', 'b'], ['1,5', 'say "hi"'], ['3', '4']], more: false });
    expect(parseCsv('\ufeffx\n1\n2\n3\n', 2)).toEqual({ rows: [['x'], ['1']], more: true });
    expect(parseCsv('a\tb\n1\t2', 5, '\t').rows).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('knows how to show each kind of file', () => {
    expect(['a.png', 'p/c.svg', 'r.html', 'm.json', 'p.csv', 'x.tsv', 'model/MLmodel', 'conda.yaml', 'log.txt', 'model/model.dojo', 'w.bin'].map(artifactKind)).toEqual([
      'image', 'image', 'html', 'json', 'csv', 'tsv', 'text', 'text', 'text', 'binary', 'binary',
    ]);
  });
});
