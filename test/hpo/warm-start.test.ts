import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { HpoEngine, SqliteStore, startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { branin, mixed } from '../../testkit/hpo/objectives';

let svc: HpoServiceHandle;
let client: HpoClient;
const dir = mkdtempSync(join(tmpdir(), 'dojo-hpo-warm-'));

beforeAll(async () => {
  svc = await startHpoService({ dbFile: ':memory:' });
  client = new HpoClient(svc.url);
});
afterAll(async () => {
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('enqueue (Optuna enqueue_trial)', () => {
  it('hands out the study spec\'s sets first, in order, labelled "enqueued"; a partial set gets the rest from the sampler', async () => {
    await client.createStudy({ name: 'q', space: branin.space, sampler: { name: 'gp', seed: 1 }, maxTrials: 5, enqueue: [{ x1: 9.42478, x2: 2.475 }, { x1: -3 }] });
    expect((await client.getStudy('q')).queued).toBe(2);
    const a = (await client.ask('q'))!;
    const b = (await client.ask('q'))!;
    const c = (await client.ask('q'))!;
    expect(a.params).toEqual({ x1: 9.42478, x2: 2.475 });
    expect(b.params.x1).toBe(-3);
    expect(typeof b.params.x2).toBe('number');
    const detail = await client.getStudy('q');
    expect(detail.trials.map((t) => t.sampler)).toEqual(['enqueued', 'enqueued', 'gp-startup']);
    expect(detail.queued).toBeUndefined();
    expect(c.number).toBe(2);
  });

  it('POST /studies/{id}/enqueue adds sets (skipIfExists leaves out tried and queued ones) and answers 400 with the path of a bad one', async () => {
    await client.createStudy({ name: 'q2', space: mixed.space, sampler: { name: 'tpe', seed: 2 } });
    const good = { lr: 0.003, layers: 5, units: 128, optimizer: 'Adam', batchnorm: true, dropout: 0.2 };
    expect(await client.enqueue('q2', [good, { ...good, layers: 4 }])).toEqual({ enqueued: 2, queued: 2 });
    expect(await client.enqueue('q2', [good, { ...good, layers: 3 }, { ...good, layers: 3 }], { skipIfExists: true })).toEqual({ enqueued: 1, queued: 3 });
    const t = (await client.ask('q2'))!;
    expect(t.params).toEqual(good);
    const cases: [unknown, string, string][] = [
      [{ params: [{ ...good, lr: 2 }] }, 'params.0.lr', 'outside the space: must be a number in [0.00001, 1]'],
      [{ params: [good, { ...good, layers: 2.5 }] }, 'params.1.layers', 'must be an integer in [1, 8]'],
      [{ params: [{ optimiser: 'Adam' }] }, 'params.0.optimiser', 'not a parameter of the space'],
      [{ params: [{ optimizer: 'Nadam' }] }, 'params.0.optimizer', 'must be one of ["SGD","Adam","RMSprop","Adagrad"]'],
      [{ params: [{ lr: null }] }, 'params.0.lr', ''],
      [{ params: { lr: 0.1 } }, 'params', 'list of parameter objects'],
      [{ params: [good], skipIfExists: 'yes' }, 'skipIfExists', ''],
      [{}, 'params', 'is required'],
    ];
    for (const [body, path, text] of cases) {
      const r = await post('/api/v1/studies/q2/enqueue', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.path, JSON.stringify(body)).toBe(path);
      expect(String(r.json.error)).toContain(text);
    }
    expect((await post('/api/v1/studies/nope/enqueue', { params: [] })).status).toBe(404);
    expect((await client.getStudy('q2')).queued).toBe(2);
  });

  it('a bad set in the study spec is refused with its path', async () => {
    const r = await post('/api/v1/studies', { name: 'q3', space: branin.space, enqueue: [{ x1: 0, x2: 0 }, { x1: 11 }] });
    expect(r).toMatchObject({ status: 400, json: { path: 'enqueue.1.x1' } });
  });

  it('queued sets survive a restart of the service (same database)', async () => {
    const db = join(dir, 'q.db');
    let engine = new HpoEngine(new SqliteStore(db));
    await engine.createStudy({ name: 'r', space: branin.space, sampler: { name: 'random', seed: 3 }, enqueue: [{ x1: 1, x2: 1 }] });
    engine.enqueue('r', [{ x1: 2, x2: 2 }, { x1: 3, x2: 3 }]);
    expect((await engine.ask('r')).params).toEqual({ x1: 1, x2: 1 });
    engine.close();
    engine = new HpoEngine(new SqliteStore(db));
    expect(engine.getStudy('r').queued).toBe(2);
    expect((await engine.ask('r')).params).toEqual({ x1: 2, x2: 2 });
    expect((await engine.ask('r')).params).toEqual({ x1: 3, x2: 3 });
    expect(engine.getStudy('r').trials.map((t) => t.sampler)).toEqual(['enqueued', 'enqueued', 'enqueued']);
    expect((await engine.ask('r')).params).not.toEqual({ x1: 3, x2: 3 });
    engine.close();
  });
});

describe('fromStudy (Optuna add_trials)', () => {
  it('seeds a study with the complete trials of an earlier one: labelled, not counted in maxTrials, and the GP starts modelling at once', async () => {
    await client.createStudy({ name: 'first', space: branin.space, sampler: { name: 'random', seed: 4 }, maxTrials: 14 });
    for (let i = 0; i < 14; i++) {
      const t = (await client.ask('first'))!;
      if (i === 3) await client.tell('first', t.number, 'fail');
      else await client.tell('first', t.number, 'complete', branin.f(t.params));
    }
    const info = await client.createStudy({ name: 'second', space: branin.space, sampler: { name: 'gp', seed: 4 }, maxTrials: 3, fromStudy: 'first' });
    expect(info.warmStart).toEqual({ fromStudy: 'first', seeded: 13 });
    const first = await client.getStudy('first');
    let detail = await client.getStudy('second');
    expect(detail.trials.map((t) => t.sampler)).toEqual(Array(13).fill('from-study'));
    expect(detail.trials.map((t) => t.value)).toEqual(first.trials.filter((t) => t.state === 'complete').map((t) => t.value));
    expect(detail.best!.value).toBe(first.best!.value);
    const asked = [];
    for (;;) {
      const t = await client.ask('second');
      if (!t) break;
      asked.push(t.number);
      await client.tell('second', t.number, 'complete', branin.f(t.params));
    }
    expect(asked).toEqual([13, 14, 15]);
    detail = await client.getStudy('second');
    expect(detail.trials.slice(13).map((t) => t.sampler)).toEqual(['gp', 'gp', 'gp']);
    expect(detail.state).toBe('finished');
  });

  it('answers 400 naming fromStudy for an unknown study or a different direction; skips trials outside the new space', async () => {
    const unknown = await post('/api/v1/studies', { name: 's1', space: branin.space, fromStudy: 'nope' });
    expect(unknown).toMatchObject({ status: 400, json: { path: 'fromStudy' } });
    const dir = await post('/api/v1/studies', { name: 's2', direction: 'maximize', space: branin.space, fromStudy: 'first' });
    expect(dir).toMatchObject({ status: 400, json: { path: 'fromStudy' } });
    expect(String(dir.json.error)).toContain('same objective and direction');
    const narrow = await client.createStudy({ name: 's3', space: { x1: { type: 'float', low: 0, high: 10 }, x2: { type: 'float', low: 0, high: 15 } }, fromStudy: 'first' });
    const inside = (await client.getStudy('first')).trials.filter((t) => t.state === 'complete' && (t.params.x1 as number) >= 0).length;
    expect(narrow.warmStart).toEqual({ fromStudy: 'first', seeded: inside });
  });
});
