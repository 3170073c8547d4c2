// Tell-and-ask (HPO API v1, additive): a tell sent with `next: {}` answers the next trial too. Old
// clients (no `next`) get the answer they always got; a worker's AskAhead uses it and falls back
// to tell + ask against a service without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DojoError } from '../../lib/errors';
import { AskAhead, HpoClient, type AskAheadClient, type TrialAsk } from '../../lib/hpo';
import { HpoEngine, SqliteStore, startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import type { Params } from '../../lib/hpo/space';
import { branin, mixed } from '../../testkit/hpo/objectives';

let svc: HpoServiceHandle;
let client: HpoClient;

beforeAll(async () => {
  svc = await startHpoService({ dbFile: ':memory:' });
  client = new HpoClient(svc.url);
});
afterAll(async () => svc.close());

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/v1/studies/{id}/tell with next', () => {
  it('answers {ok, next} with the next trial, and next: null once every trial is handed out', async () => {
    await client.createStudy({ name: 'ta', space: branin.space, sampler: { name: 'tpe', seed: 1 }, maxTrials: 3 });
    const first = (await client.ask('ta'))!;
    const r1 = await post('/api/v1/studies/ta/tell', { number: first.number, state: 'complete', value: 5, next: {} });
    expect(r1.status).toBe(200);
    const next = r1.json.next as TrialAsk;
    expect(next.number).toBe(1);
    const r2 = await post('/api/v1/studies/ta/tell', { number: next.number, state: 'pruned', value: 6, next: {} });
    expect((r2.json.next as TrialAsk).number).toBe(2);
    const r3 = await post('/api/v1/studies/ta/tell', { number: 2, state: 'fail', next: {} });
    expect(r3).toEqual({ status: 200, json: { ok: true, next: null } });
    const d = await client.getStudy('ta');
    expect(d.trials.map((t) => [t.number, t.state, t.value])).toEqual([
      [0, 'complete', 5],
      [1, 'pruned', 6],
      [2, 'failed', undefined],
    ]);
    expect(d.trials[1]!.params).toEqual(next.params);
    expect(d.state).toBe('finished');
  });

  it('a tell without next is answered as before ({ok: true}), and next must be an object', async () => {
    await client.createStudy({ name: 'old', space: branin.space, sampler: { name: 'random', seed: 1 } });
    const t = (await client.ask('old'))!;
    expect(await post('/api/v1/studies/old/tell', { number: t.number, state: 'complete', value: 1 })).toEqual({ status: 200, json: { ok: true } });
    expect((await client.getStudy('old')).trials).toHaveLength(1);
    const u = (await client.ask('old'))!;
    const bad = await post('/api/v1/studies/old/tell', { number: u.number, state: 'complete', value: 1, next: true });
    expect(bad.status).toBe(400);
    expect(bad.json.path).toBe('next');
    expect((await post('/api/v1/studies/old/tell', { number: u.number, state: 'complete', value: 1, next: { count: 2 } })).status).toBe(400);
    // Refused bodies tell nothing.
    expect((await client.getStudy('old')).trials[1]!.state).toBe('running');
  });

  it('tell-and-ask hands out the same trials as tell then ask (GP on the proposal thread, auto on a mixed space)', async () => {
    for (const [obj, sampler] of [
      [branin, { name: 'gp', seed: 3, nStartupTrials: 3 }],
      [mixed, { name: 'auto', seed: 2 }],
    ] as const) {
      const a = `ta-${sampler.name}-a`;
      const b = `ta-${sampler.name}-b`;
      await client.createStudy({ name: a, space: obj.space, sampler });
      await client.createStudy({ name: b, space: obj.space, sampler });
      let t = (await client.ask(a))!;
      let u = (await client.ask(b))!;
      for (let i = 0; i < 13; i++) {
        expect(t).toEqual(u);
        t = (await client.tellAndAsk(a, t.number, 'complete', obj.f(t.params)))!;
        await client.tell(b, u.number, 'complete', obj.f(u.params));
        u = (await client.ask(b))!;
      }
      const [da, db] = await Promise.all([client.getStudy(a), client.getStudy(b)]);
      expect(da.trials.map((x) => x.sampler)).toEqual(db.trials.map((x) => x.sampler));
      expect(da.trials.some((x) => x.sampler === 'gp')).toBe(true);
    }
  });
});

describe('AskAhead', () => {
  it('brings the next trial back with the tell; a tell the worker stops after is a plain tell; release fails a held trial', async () => {
    await client.createStudy({ name: 'aa', space: branin.space, sampler: { name: 'random', seed: 1 }, maxTrials: 4 });
    let stop = false;
    const ahead = new AskAhead(client, 'aa', () => !stop);
    const t0 = (await ahead.ask())!;
    await ahead.tell(t0.number, 'complete', 1);
    expect(ahead.holding).toBe(true);
    // Handed out already: the service shows it running before the worker asks.
    expect((await client.getStudy('aa')).trials.map((t) => t.state)).toEqual(['complete', 'running']);
    const t1 = (await ahead.ask())!;
    expect(t1.number).toBe(1);
    stop = true;
    await ahead.tell(t1.number, 'complete', 2);
    expect(ahead.holding).toBe(false);
    expect((await client.getStudy('aa')).trials).toHaveLength(2);
    stop = false;
    const t2 = (await ahead.ask())!;
    await ahead.tell(t2.number, 'complete', 3);
    await ahead.release();
    expect((await client.getStudy('aa')).trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'failed']);
  });

  it('against a service without tell-and-ask (400 naming next) it tells and asks instead, and keeps doing so', async () => {
    const calls: string[] = [];
    let n = 0;
    const old: AskAheadClient = {
      ask: async () => {
        calls.push('ask');
        return { number: n++, params: { x: 1 } };
      },
      tell: async (_id, number) => {
        calls.push(`tell ${number}`);
      },
      tellAndAsk: async () => {
        calls.push('tellAndAsk');
        throw new DojoError('USAGE', 'HPO service: POST /api/v1/studies/s/tell: 400: (body): Unrecognized key: "next"');
      },
    };
    const ahead = new AskAhead(old, 's');
    const t = (await ahead.ask())!;
    await ahead.tell(t.number, 'complete', 1);
    const u = (await ahead.ask())!;
    await ahead.tell(u.number, 'complete', 1);
    expect(calls).toEqual(['ask', 'tellAndAsk', 'tell 0', 'ask', 'tell 1']);
  });
});

describe('a tell announced ahead (ahead: true)', () => {
  /** 12 trials of a GP study; `announce` decides per trial which value is announced before the real tell (undefined: none). */
  async function run(thread: boolean, announce: (value: number) => number | undefined): Promise<{ params: Params[]; hits: number; running: boolean[] }> {
    const engine = new HpoEngine(new SqliteStore(':memory:'), { proposalThread: thread });
    try {
      await engine.createStudy({ name: 's', space: branin.space, sampler: { name: 'gp', seed: 5, nStartupTrials: 3 } });
      const params: Params[] = [];
      const running: boolean[] = [];
      let t = await engine.ask('s');
      for (let i = 0; i < 12; i++) {
        params.push(t.params);
        const value = branin.f(t.params);
        const a = announce(value);
        if (a !== undefined) engine.tellAhead('s', t.number, 'complete', a);
        running.push(engine.getStudy('s').trials[t.number]!.state === 'running');
        t = (await engine.tellAndAsk('s', t.number, 'complete', value))!;
      }
      return { params, hits: engine.aheadHits, running };
    } finally {
      await engine.close();
    }
  }

  it('tells nothing, and the real tell-and-ask is served the proposal it prepared: the same trials as without it', async () => {
    const plain = await run(false, () => undefined);
    const announced = await run(true, (v) => v);
    expect(announced.params).toEqual(plain.params);
    expect(announced.running.every(Boolean)).toBe(true);
    // Every fitted ask (the asks after the 3rd..12th tells) was prepared ahead.
    expect(announced.hits).toBe(10);
  });

  it('a real tell with another value than announced is not served the prepared proposal', async () => {
    const plain = await run(false, () => undefined);
    const wrong = await run(true, (v) => v + 1);
    expect(wrong.params).toEqual(plain.params);
  });

  it('over HTTP: answers {ok: true}, refuses next with ahead and a bad value, and the trial stays running', async () => {
    await client.createStudy({ name: 'ah', space: branin.space, sampler: { name: 'random', seed: 1 } });
    const t = (await client.ask('ah'))!;
    expect(await post('/api/v1/studies/ah/tell', { number: t.number, state: 'complete', value: 2, ahead: true })).toEqual({ status: 200, json: { ok: true } });
    expect((await post('/api/v1/studies/ah/tell', { number: t.number, state: 'complete', value: 2, ahead: true, next: {} })).json.path).toBe('next');
    expect((await post('/api/v1/studies/ah/tell', { number: t.number, state: 'complete', ahead: true })).json.path).toBe('value');
    expect((await post('/api/v1/studies/ah/tell', { number: t.number, state: 'complete', value: 2, ahead: false })).json.path).toBe('ahead');
    await client.tellAhead('ah', t.number, 'pruned', 3);
    expect((await client.getStudy('ah')).trials[0]!.state).toBe('running');
  });
});
