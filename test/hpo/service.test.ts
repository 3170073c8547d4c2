import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rendezvous } from '../../lib/hpo/service/rendezvous';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { branin } from '../../testkit/hpo/objectives';

let svc: HpoServiceHandle;
let client: HpoClient;

beforeAll(async () => {
  svc = await startHpoService({ dbFile: ':memory:', rendezvousTimeoutMs: 2_000 });
  client = new HpoClient(svc.url);
});
afterAll(async () => svc.close());

async function post(path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  // Every POST is JSON ({} when there is nothing to send): the service refuses "simple" requests.
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body ?? '{}' });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('HPO API v1: bad input is 4xx, never 500', () => {
  it('answers 400 {error, path} for bad study bodies', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'a', space: { lr: { type: 'float', low: 0, high: 1, log: true } } }, 'space.lr.low'],
      [{ name: 'a', space: { lr: { type: 'float', low: 2, high: 1 } } }, 'space.lr.high'],
      [{ name: 'a', space: { x: { type: 'nope' } } }, 'space.x.type'],
      [{ name: 'a', space: { x: { type: 'categorical', choices: [] } } }, 'space.x.choices'],
      [{ name: 'a', space: {} }, 'space'],
      [{ name: 'a', direction: 'up', space: branin.space }, 'direction'],
      [{ name: 'a', space: branin.space, sampler: { name: 'cmaes' } }, 'sampler.name'],
      [{ name: 'a', space: branin.space, sampler: { name: 'grid' } }, 'space.x1.step'],
      [{ name: 'a', space: branin.space, maxTrials: 0 }, 'maxTrials'],
      [{ space: branin.space }, 'name'],
      [[1, 2], '(body)'],
    ];
    for (const [body, path] of cases) {
      const r = await post('/api/v1/studies', JSON.stringify(body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.path, JSON.stringify(body)).toBe(path);
      expect(String(r.json.error)).toContain(path);
    }
    const log = await post('/api/v1/studies', JSON.stringify({ name: 'a', space: { lr: { type: 'float', low: 0, high: 1, log: true } } }));
    expect(log.json.error).toBe('space.lr.low: must be > 0 when log is true');
    for (const raw of ['{bad', '', 'null', '"x"']) expect((await post('/api/v1/studies', raw)).status).toBe(400);
    // Space keys become MLflow params of every trial's run: a name MLflow refuses is refused here.
    const float = { type: 'float', low: 0.1, high: 1 };
    for (const key of ['lr(log)', 'a/../b', '/abs', '..', `${'k'.repeat(251)}`, 'lr:1', 'é?']) {
      const r = await post('/api/v1/studies', JSON.stringify({ name: 'keys', space: { x: float, [key]: float } }));
      expect(r.status, key).toBe(400);
      expect(r.json.path, key).toBe(`space.${key}`);
      expect(String(r.json.error), key).toBe(`space.${key}: '${key}' is not a valid MLflow parameter name: use letters, digits, _ - . / and spaces (at most 250; no '..', '//' or leading '/')`);
    }
    for (const key of ['lr', 'layer 1/units', 'drop-out.rate', 'neurons_l0']) {
      expect((await post('/api/v1/studies', JSON.stringify({ name: `ok-${key.replace(/\W/g, '')}`, space: { [key]: float } }))).status, key).toBe(201);
    }
  });

  it('answers 404 for unknown studies and trials, 400 for bad report/tell bodies, 409 for a finished trial', async () => {
    await client.createStudy({ name: 'errs', direction: 'minimize', space: branin.space, sampler: { name: 'random', seed: 1 } });
    expect((await post('/api/v1/studies/nope/ask')).status).toBe(404);
    expect((await fetch(`${svc.url}/api/v1/studies/nope`)).status).toBe(404);
    expect((await post('/api/v1/studies/errs/tell', JSON.stringify({ number: 99, state: 'complete', value: 1 }))).status).toBe(404);
    const t = (await client.ask('errs'))!;
    const bad = await post('/api/v1/studies/errs/report', JSON.stringify({ number: t.number, step: -1, value: 1 }));
    expect(bad).toEqual({ status: 400, json: { error: 'step: must be >= 0', path: 'step' } });
    expect((await post('/api/v1/studies/errs/tell', JSON.stringify({ number: t.number, state: 'done' }))).json.path).toBe('state');
    expect((await post('/api/v1/studies/errs/tell', JSON.stringify({ number: t.number, state: 'complete' }))).json.path).toBe('value');
    expect((await post('/api/v1/studies/errs/tell', 'nonsense')).status).toBe(400);
    await client.tell('errs', t.number, 'complete', 3);
    await client.tell('errs', t.number, 'complete', 3); // a retried tell is accepted
    expect((await post('/api/v1/studies/errs/tell', JSON.stringify({ number: t.number, state: 'complete', value: 4 }))).status).toBe(409);
    expect((await post('/api/v1/studies/errs/report', JSON.stringify({ number: t.number, step: 1, value: 1 }))).status).toBe(409);
    const detail = await client.getStudy('errs');
    expect(detail.best).toEqual({ number: t.number, value: 3, params: t.params });
    expect((await client.listStudies()).map((s) => s.name)).toContain('errs');
  });

  it('returns the existing study for the same name and spec, 409 for a different spec', async () => {
    const spec = { name: 'same', direction: 'maximize' as const, space: branin.space, sampler: { name: 'tpe' as const, seed: 3 } };
    const a = await client.createStudy(spec);
    const b = await client.createStudy(spec);
    expect(b.id).toBe(a.id);
    await expect(client.createStudy({ ...spec, direction: 'minimize' })).rejects.toThrow(/409: study same exists with a different spec/);
  });
});

describe('fuzz', () => {
  it('never answers 500 to arbitrary JSON on any endpoint', async () => {
    await client.createStudy({ name: 'fuzz', direction: 'minimize', space: branin.space, sampler: { name: 'random', seed: 1 } });
    await client.ask('fuzz');
    const paths = ['/api/v1/studies', '/api/v1/studies/fuzz/report', '/api/v1/studies/fuzz/tell', '/api/v1/studies/fuzz/heartbeat', '/api/v1/studies/fuzz/ask', '/api/v1/studies/fuzz/enqueue', '/api/v1/rendezvous/fz/join'];
    const body = fc.oneof(
      fc.json(),
      fc.record({ number: fc.oneof(fc.integer(), fc.double(), fc.string()), step: fc.oneof(fc.integer(), fc.constant(null)), value: fc.oneof(fc.double(), fc.string()), state: fc.string() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
      fc.record({ params: fc.oneof(fc.array(fc.dictionary(fc.constantFrom('x1', 'x2', 'x3'), fc.jsonValue())), fc.jsonValue()), skipIfExists: fc.jsonValue() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
      fc.record({ name: fc.string(), space: fc.dictionary(fc.string(), fc.record({ type: fc.constantFrom('float', 'int', 'categorical', 'x'), low: fc.double(), high: fc.double(), log: fc.boolean(), step: fc.double(), choices: fc.array(fc.jsonValue()) }, { requiredKeys: [] })) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), body, async (path, raw) => {
        const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
        expect(res.status, `${path} ${raw}`).toBeLessThan(500);
        const j = (await res.json()) as { error?: string; path?: string };
        if (res.status === 400) expect(typeof j.path).toBe('string');
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('concurrency', () => {
  it('16 concurrent clients ask/tell 400 trials: numbers unique and dense, every tell recorded', async () => {
    await client.createStudy({ name: 'conc', direction: 'minimize', space: branin.space, sampler: { name: 'tpe', seed: 5 }, maxTrials: 400 });
    const told = new Map<number, number>();
    const worker = async () => {
      const c = new HpoClient(svc.url);
      for (;;) {
        const t = await c.ask('conc');
        if (!t) return;
        expect(told.has(t.number)).toBe(false);
        const value = branin.f(t.params);
        told.set(t.number, value);
        await c.report('conc', t.number, 1, value + 1);
        await c.tell('conc', t.number, 'complete', value);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const d = await client.getStudy('conc');
    expect(d.trials.map((t) => t.number)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect([...told.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    for (const t of d.trials) {
      expect(t.state).toBe('complete');
      expect(t.value).toBe(told.get(t.number));
      expect(t.intermediate).toEqual({ 1: told.get(t.number)! + 1 });
    }
    expect(d.state).toBe('finished');
    expect(d.best!.value).toBeLessThan(0.45);
  }, 60_000);
});

describe('rendezvous', () => {
  it('forms once all replicas joined: unique ranks in join order, peers by rank, stable on re-join', async () => {
    const joins = ['a:1', 'b:2', 'c:3'].map((addr) => client.joinRendezvous('job1/g0/0', { replicas: 3, addr }));
    const got = await Promise.all(joins);
    expect(got.map((g) => g.rank).sort()).toEqual([0, 1, 2]);
    for (const g of got) expect(g).toMatchObject({ worldSize: 3, peers: ['a:1', 'b:2', 'c:3'] });
    expect(await client.joinRendezvous('job1/g0/0', { replicas: 3, addr: 'b:2' })).toEqual({ rank: 1, worldSize: 3, peers: ['a:1', 'b:2', 'c:3'] });
    await expect(client.joinRendezvous('job1/g0/0', { replicas: 3, addr: 'z:9' })).rejects.toThrow(/already formed/);
  });

  it('forgets idle keys (bounded memory)', async () => {
    const r = new Rendezvous({ retainMs: 50, maxKeys: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await r.join(k, 1, 'x:1');
    expect(r.size).toBe(3);
    await new Promise((res) => setTimeout(res, 80));
    await r.join('e', 1, 'x:1');
    expect(r.size).toBe(1);
    r.close();
  });

  it('times out with 408 naming how many joined', async () => {
    const t0 = Date.now();
    const r = await post('/api/v1/rendezvous/lonely/join', JSON.stringify({ replicas: 3, addr: 'x:1', timeoutMs: 300 }));
    expect(r.status).toBe(408);
    expect(r.json.error).toMatch(/1 of 3 replicas joined/);
    // Not before the join's own timeout (an upper bound would only measure how loaded the machine is).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect((await post('/api/v1/rendezvous/k/join', JSON.stringify({ replicas: 0, addr: 'x' }))).json.path).toBe('replicas');
  });
});
