import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric } from '../../lib/tracking';
import { expectMlflowError, raw, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

let s: ServerUnderTest;
let exp: string;
beforeAll(async () => {
  s = await serverUnderTest();
  exp = await s.client.createExperiment(uniqueName('log'));
});
afterAll(async () => s.close());

const newRun = async (name = 'r'): Promise<string> => (await s.client.createRun({ experimentId: exp, runName: name })).info.run_id;

describe('tracking contract: metrics', () => {
  it('keeps every point of a history ordered by timestamp, step, value (identical points: kept by the embedded server, stored once by MLflow 2.11 SQL); latest = highest step', async () => {
    const id = await newRun();
    await s.client.logMetric(id, 'loss', 0.5, 2, 3000);
    await s.client.logMetric(id, 'loss', 0.9, 0, 1000);
    await s.client.logMetric(id, 'loss', 0.7, 1, 1000);
    await s.client.logMetric(id, 'loss', 0.7, 1, 1000);
    await s.client.logMetric(id, 'loss', 0.6, 5, 500);
    const h = await s.client.getMetricHistory(id, 'loss');
    expect(h.map((m) => [m.timestamp, m.step, m.value])).toEqual([
      [500, 5, 0.6],
      [1000, 0, 0.9],
      [1000, 1, 0.7],
      ...(s.embedded ? [[1000, 1, 0.7]] : []),
      [3000, 2, 0.5],
    ]);
    expect((await s.client.getRun(id)).data.metrics).toEqual([{ key: 'loss', value: 0.6, timestamp: 500, step: 5 }]);
  });

  it('breaks latest-value ties by timestamp, then value; step defaults to 0', async () => {
    const id = await newRun();
    await s.client.logMetric(id, 'a', 1, 4, 100);
    await s.client.logMetric(id, 'a', 2, 4, 200);
    await s.client.logMetric(id, 'a', 1.5, 4, 150);
    await s.client.logMetric(id, 'b', 3, 7, 100);
    await s.client.logMetric(id, 'b', 4, 7, 100);
    const r = await raw(s.url, 'POST', 'runs/log-metric', { run_id: id, key: 'c', value: 1, timestamp: 5 });
    expect(r.json).toEqual({});
    const latest = (await s.client.getRun(id)).data.metrics!;
    expect(latest.find((m) => m.key === 'a')).toMatchObject({ value: 2, timestamp: 200 });
    expect(latest.find((m) => m.key === 'b')).toMatchObject({ value: 4 });
    expect(latest.find((m) => m.key === 'c')).toMatchObject({ step: 0 });
  });

  it('round-trips NaN and ±Infinity, written as strings on the wire (MLflow 2.11 SQL stores ±Infinity as ±max double)', async () => {
    const id = await newRun();
    await s.client.logMetric(id, 'weird', NaN, 0, 1);
    await s.client.logMetric(id, 'weird', Infinity, 1, 2);
    await s.client.logMetric(id, 'weird', -Infinity, 2, 3);
    const raws = await raw(s.url, 'POST', 'runs/log-metric', { run_id: id, key: 'weird', value: 'NaN', timestamp: 4, step: 3 });
    expect(raws.status).toBe(200);
    const h = await s.client.getMetricHistory(id, 'weird');
    const inf = s.embedded ? Infinity : Number.MAX_VALUE;
    expect(h.map((m) => m.value)).toEqual([NaN, inf, -inf, NaN]);
    const wire = await raw(s.url, 'GET', `metrics/get-history?run_id=${id}&metric_key=weird`);
    expect(wire.text).toContain('"NaN"');
  });

  it('stores a point repeated within one batch once, NaN included (MLflow 2.11 refuses a batch repeating a NaN point)', async () => {
    const id = await newRun();
    const p = (value: number) => ({ key: 'rep', value, timestamp: 4, step: 3 });
    await s.client.logBatch(id, { metrics: [p(NaN), p(NaN), p(1), p(1), p(2)] });
    const h = await s.client.getMetricHistory(id, 'rep');
    expect(h.map((m) => m.value)).toEqual([NaN, 1, 2]);
  });

  it('answers 400 for a non-numeric value, a missing timestamp and a bad key', async () => {
    const id = await newRun();
    for (const body of [
      { run_id: id, key: 'm', value: 'abc', timestamp: 1 },
      { run_id: id, key: 'm', value: 1 },
      { run_id: id, key: 'bad key!', value: 1, timestamp: 1 },
      { run_id: id, key: '../escape', value: 1, timestamp: 1 },
    ]) {
      const r = await raw(s.url, 'POST', 'runs/log-metric', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('tracking contract: params and tags', () => {
  it('logs a param once; the same value again is fine; a different value is 400', async () => {
    const id = await newRun();
    await s.client.logParam(id, 'lr', '0.01');
    await s.client.logParam(id, 'lr', '0.01');
    await expectMlflowError(s.client.logParam(id, 'lr', '0.02'), 'INVALID_PARAMETER_VALUE', 400, /lr/);
    await expectMlflowError(s.client.logBatch(id, { params: [{ key: 'lr', value: '0.03' }] }), 'INVALID_PARAMETER_VALUE', 400);
    expect((await s.client.getRun(id)).data.params).toEqual([{ key: 'lr', value: '0.01' }]);
  });

  it('accepts an empty param value but not a missing one', async () => {
    const id = await newRun();
    await s.client.logParam(id, 'empty', '');
    expect((await s.client.getRun(id)).data.params).toEqual([{ key: 'empty', value: '' }]);
    const missing = await raw(s.url, 'POST', 'runs/log-parameter', { run_id: id, key: 'nothing' });
    // MLflow 2.11 stores a missing value as ''; the embedded server refuses it.
    expect(missing.status).toBe(s.embedded ? 400 : 200);
  });

  it('refuses a param value sent as a number and duplicate param keys in one batch', async () => {
    const id = await newRun();
    const num = await raw(s.url, 'POST', 'runs/log-parameter', { run_id: id, key: 'n', value: 3 });
    expect(num.status).toBe(400);
    const dup = await raw(s.url, 'POST', 'runs/log-batch', { run_id: id, params: [{ key: 'k', value: 'a' }, { key: 'k', value: 'a' }] });
    expect(dup.status).toBe(400);
    expect(dup.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
  });

  it('sets, overwrites and deletes tags; deleting a missing tag is 404', async () => {
    const id = await newRun();
    await s.client.setTag(id, 'phase', 'one');
    await s.client.setTag(id, 'phase', 'two');
    expect((await s.client.getRun(id)).data.tags).toContainEqual({ key: 'phase', value: 'two' });
    await s.client.deleteTag(id, 'phase');
    expect((await s.client.getRun(id)).data.tags?.find((t) => t.key === 'phase')).toBeUndefined();
    await expectMlflowError(s.client.deleteTag(id, 'phase'), 'RESOURCE_DOES_NOT_EXIST', 404);
  });

  it('truncates a long param value (6000) and tag value (5000)', async () => {
    const id = await newRun();
    await s.client.logParam(id, 'long', 'x'.repeat(7000));
    await s.client.setTag(id, 'long', 'y'.repeat(7000));
    const run = await s.client.getRun(id);
    expect(run.data.params?.find((p) => p.key === 'long')?.value.length).toBe(6000);
    expect(run.data.tags?.find((t) => t.key === 'long')?.value.length).toBe(5000);
    // Counted in code points, as Python counts: an astral character is one, and never cut in half.
    await s.client.setTag(id, 'astral', `${'y'.repeat(4998)}${'😀'.repeat(5)}`);
    await s.client.logParam(id, 'astral', `${'x'.repeat(5999)}${'😀'.repeat(3)}`);
    const again = await s.client.getRun(id);
    expect(again.data.tags?.find((t) => t.key === 'astral')?.value).toBe(`${'y'.repeat(4998)}😀😀`);
    expect(again.data.params?.find((p) => p.key === 'astral')?.value).toBe(`${'x'.repeat(5999)}😀`);
  });
});

describe('tracking contract: log-batch', () => {
  it('takes 1000 metrics in one call', async () => {
    const id = await newRun();
    const metrics: Metric[] = Array.from({ length: 1000 }, (_, i) => ({ key: 'm', value: i / 10, timestamp: 1000 + i, step: i }));
    const r = await raw(s.url, 'POST', 'runs/log-batch', { run_id: id, metrics });
    expect(r).toMatchObject({ status: 200, json: {} });
    const h = await s.client.getMetricHistory(id, 'm');
    expect(h).toHaveLength(1000);
    expect(h[999]).toEqual({ key: 'm', value: 99.9, timestamp: 1999, step: 999 });
  });

  it("refuses a call over MLflow's limits with 400, and the client splits big batches to fit", async () => {
    const id = await newRun();
    const metrics: Metric[] = Array.from({ length: 2500 }, (_, i) => ({ key: `k${i % 3}`, value: i, timestamp: i, step: i }));
    const over = await raw(s.url, 'POST', 'runs/log-batch', { run_id: id, metrics: metrics.slice(0, 1001) });
    expect(over.status).toBe(400);
    const overParams = await raw(s.url, 'POST', 'runs/log-batch', { run_id: id, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) });
    expect(overParams.status).toBe(400);
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: String(i) }));
    await s.client.logBatch(id, { metrics, params, tags });
    const run = await s.client.getRun(id);
    expect(run.data.params).toHaveLength(150);
    expect(run.data.tags!.filter((t) => t.key.startsWith('t'))).toHaveLength(120);
    let total = 0;
    for (const k of ['k0', 'k1', 'k2']) total += (await s.client.getMetricHistory(id, k)).length;
    expect(total).toBe(2500);
  });

  it('is all or nothing: a batch with a changed param stores none of its metrics', async () => {
    const id = await newRun();
    await s.client.logParam(id, 'p', 'a');
    const r = await raw(s.url, 'POST', 'runs/log-batch', { run_id: id, metrics: [{ key: 'm', value: 1, timestamp: 1 }], params: [{ key: 'p', value: 'b' }] });
    expect(r.status).toBe(400);
    expect(await s.client.getMetricHistory(id, 'm')).toEqual([]);
  });
});
