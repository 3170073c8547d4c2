import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMlflowError, raw, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

let s: ServerUnderTest;
let exp: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await serverUnderTest();
  exp = await s.client.createExperiment(uniqueName('search'));
  const specs = [
    { name: 'adam-fast', opt: 'Adam', loss: 0.1, start: 1000, tag: 'Blue' },
    { name: 'adam-slow', opt: 'Adam', loss: 0.3, start: 2000, tag: 'blue' },
    { name: 'sgd-one', opt: 'SGD', loss: 0.2, start: 3000, tag: 'red' },
    { name: 'sgd-nometric', opt: 'SGD', loss: undefined, start: 4000, tag: 'red' },
  ];
  for (const sp of specs) {
    const run = await s.client.createRun({ experimentId: exp, runName: sp.name, startTime: sp.start, tags: { color: sp.tag, 'my tag': 'spaced' } });
    ids[sp.name] = run.info.run_id;
    await s.client.logParam(run.info.run_id, 'optimizer', sp.opt);
    if (sp.loss !== undefined) await s.client.logMetric(run.info.run_id, 'val loss', sp.loss, 1, 1);
  }
  await s.client.updateRun(ids['sgd-one']!, { status: 'FINISHED', endTime: 5000 });
});
afterAll(async () => s.close());

async function names(filter?: string, orderBy?: string[]): Promise<string[]> {
  return (await s.client.searchRuns({ experimentIds: [exp], filter, orderBy })).runs.map((r) => r.info.run_name);
}

describe('tracking contract: runs/search filter grammar', () => {
  it('orders by start_time DESC by default', async () => {
    expect(await names()).toEqual(['sgd-nometric', 'sgd-one', 'adam-slow', 'adam-fast']);
  });

  it('filters metrics (backticked key), params, tags and attributes, joined by AND', async () => {
    expect(await names('metrics.`val loss` < 0.25')).toEqual(['sgd-one', 'adam-fast']);
    expect(await names('metrics."val loss" >= 0.2 AND params.optimizer = \'SGD\'')).toEqual(['sgd-one']);
    expect(await names("params.optimizer != 'SGD'")).toEqual(['adam-slow', 'adam-fast']);
    expect(await names("tags.color = 'red' and attributes.status = 'FINISHED'")).toEqual(['sgd-one']);
    expect(await names('tags.`my tag` = "spaced" AND attributes.start_time > 2500')).toEqual(['sgd-nometric', 'sgd-one']);
    expect(await names("attributes.run_name = 'adam-fast'")).toEqual(['adam-fast']);
    expect(await names('attributes.end_time <= 5000')).toEqual(['sgd-one']);
    expect(await names(`attributes.run_id IN ('${ids['adam-fast']}', '${ids['sgd-one']}')`)).toEqual(['sgd-one', 'adam-fast']);
  });

  it('LIKE is case-sensitive, ILIKE is not', async () => {
    expect(await names("tags.color LIKE 'B%'")).toEqual(['adam-fast']);
    expect(await names("tags.color ILIKE 'b%'")).toEqual(['adam-slow', 'adam-fast']);
    expect(await names("attributes.run_name LIKE '%-s_ow'")).toEqual(['adam-slow']);
  });

  it('answers 400 with a message for bad filter syntax', async () => {
    for (const bad of ['metrics.loss >', "metrics.loss = 'abc'", 'params.optimizer = SGD', 'foo.bar = 1', 'attributes.nope = 1', "params.a = 'x' OR params.b = 'y'", 'metrics.x LIKE 3']) {
      await expectMlflowError(s.client.searchRuns({ experimentIds: [exp], filter: bad }), 'INVALID_PARAMETER_VALUE', 400, /.+/);
    }
    const r = await raw(s.url, 'POST', 'runs/search', { experiment_ids: [exp], filter: 'metrics.loss >>> 1' });
    expect(r.status).toBe(400);
    expect(r.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
    expect(String(r.json?.['message'])).toMatch(s.embedded ? /filter/i : /comparator '>>>'/);
  });

  it('orders by a metric both ways with runs lacking it last, and by params and attributes', async () => {
    expect(await names(undefined, ['metrics.`val loss` ASC'])).toEqual(['adam-fast', 'sgd-one', 'adam-slow', 'sgd-nometric']);
    expect(await names(undefined, ['metrics.`val loss` DESC'])).toEqual(['adam-slow', 'sgd-one', 'adam-fast', 'sgd-nometric']);
    expect(await names(undefined, ['params.optimizer', 'attributes.start_time ASC'])).toEqual(['adam-fast', 'adam-slow', 'sgd-one', 'sgd-nometric']);
    expect(await names(undefined, ['attributes.run_name DESC'])).toEqual(['sgd-one', 'sgd-nometric', 'adam-slow', 'adam-fast']);
    await expectMlflowError(s.client.searchRuns({ experimentIds: [exp], orderBy: ['metrics.x sideways'] }), 'INVALID_PARAMETER_VALUE', 400);
  });

  it('answers {} to a search with no match and 400 for max_results over 50000 or a bad page token', async () => {
    const none = await raw(s.url, 'POST', 'runs/search', { experiment_ids: [exp], filter: "params.optimizer = 'none'" });
    expect(none).toMatchObject({ status: 200, json: {} });
    await expectMlflowError(s.client.searchRuns({ experimentIds: [exp], maxResults: 50001 }), 'INVALID_PARAMETER_VALUE', 400);
    expect(await raw(s.url, 'POST', 'runs/search', { experiment_ids: ['987654321'] })).toMatchObject({ status: 200, json: {} });
    await expectMlflowError(s.client.searchRuns({ experimentIds: [exp], pageToken: '%%%not-a-token' }), 'INVALID_PARAMETER_VALUE', 400);
  });
});

describe('tracking contract: pagination', () => {
  it('pages through 250 runs, 100 at a time, each exactly once, in start_time DESC order', async () => {
    const pexp = await s.client.createExperiment(uniqueName('pages'));
    const created: string[] = [];
    for (let i = 0; i < 250; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, (_, j) => s.client.createRun({ experimentId: pexp, runName: `p${i + j}`, startTime: 1_000_000 + i + j })),
      );
      created.push(...batch.map((r) => r.info.run_id));
    }
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await s.client.searchRuns({ experimentIds: [pexp], maxResults: 100, pageToken: token });
      sizes.push(page.runs.length);
      seen.push(...page.runs.map((r) => r.info.run_name));
      token = page.nextPageToken;
    } while (token);
    expect(sizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => `p${249 - i}`));
    expect((await s.client.searchAllRuns({ experimentIds: [pexp], maxResults: 50 })).length).toBe(250);
    expect(new Set(created).size).toBe(250);
  });
});
