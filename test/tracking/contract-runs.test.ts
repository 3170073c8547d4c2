import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMlflowError, raw, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

let s: ServerUnderTest;
let exp: string;
beforeAll(async () => {
  s = await serverUnderTest();
  exp = await s.client.createExperiment(uniqueName('runs'));
});
afterAll(async () => s.close());

describe('tracking contract: runs', () => {
  it('creates a named run with tags; run_id = run_uuid; mlflow.runName mirrors the name; empty things omitted', async () => {
    const run = await s.client.createRun({ experimentId: exp, runName: 'first', tags: { owner: 'me' }, startTime: 1_700_000_000_000 });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.run_uuid).toBe(run.info.run_id);
    expect(run.info).toMatchObject({ run_name: 'first', experiment_id: exp, status: 'RUNNING', start_time: 1_700_000_000_000, lifecycle_stage: 'active' });
    expect(run.info.artifact_uri).toMatch(new RegExp(`/${run.info.run_id}/artifacts$`));
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.runName', value: 'first' }, { key: 'owner', value: 'me' }]));
    const wire = await raw(s.url, 'GET', `runs/get?run_id=${run.info.run_id}`);
    const info = (wire.json?.['run'] as { info: Record<string, unknown>; data: Record<string, unknown> }).info;
    const data = (wire.json?.['run'] as { data: Record<string, unknown> }).data;
    expect(info['end_time']).toBeUndefined();
    expect(data['params']).toBeUndefined();
    expect(data['metrics']).toBeUndefined();
  });

  it('generates a name when none is given, and renaming updates the tag', async () => {
    const run = await s.client.createRun({ experimentId: exp });
    expect(run.info.run_name.length).toBeGreaterThan(0);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: run.info.run_name });
    await s.client.updateRun(run.info.run_id, { runName: 'renamed' });
    const got = await s.client.getRun(run.info.run_id);
    expect(got.info.run_name).toBe('renamed');
    expect(got.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'renamed' });
  });

  it('updates status and end time; a later status update keeps the end time', async () => {
    const run = await s.client.createRun({ experimentId: exp, runName: 'upd' });
    const info = await s.client.updateRun(run.info.run_id, { status: 'FINISHED', endTime: 1_700_000_123_000 });
    expect(info).toMatchObject({ status: 'FINISHED', end_time: 1_700_000_123_000, run_id: run.info.run_id });
    const again = await s.client.updateRun(run.info.run_id, { status: 'FAILED' });
    expect(again).toMatchObject({ status: 'FAILED', end_time: 1_700_000_123_000 });
    await s.client.logMetric(run.info.run_id, 'after_end', 1);
    const r = await raw(s.url, 'POST', 'runs/update', { run_id: run.info.run_id, status: 'DONE' });
    // The embedded server refuses an unknown status; MLflow 2.11 lets it through.
    if (s.embedded) expect(r.status).toBe(400);
  });

  it('nests child runs under a parent with mlflow.parentRunId, findable by tag filter', async () => {
    const parent = await s.client.createRun({ experimentId: exp, runName: 'study' });
    const kids = await Promise.all([0, 1, 2].map((i) => s.client.createRun({ experimentId: exp, runName: `trial-${i}`, parentRunId: parent.info.run_id })));
    for (const k of kids) expect(k.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent.info.run_id });
    const found = await s.client.searchRuns({ experimentIds: [exp], filter: `tags.mlflow.parentRunId = '${parent.info.run_id}'` });
    expect(found.runs.map((r) => r.info.run_id).sort()).toEqual(kids.map((k) => k.info.run_id).sort());
  });

  it('deletes and restores; a deleted run is readable but refuses writes; search hides it', async () => {
    const run = await s.client.createRun({ experimentId: exp, runName: 'doomed' });
    await s.client.deleteRun(run.info.run_id);
    expect((await s.client.getRun(run.info.run_id)).info.lifecycle_stage).toBe('deleted');
    await expectMlflowError(s.client.logMetric(run.info.run_id, 'm', 1), 'INVALID_PARAMETER_VALUE', 400);
    await expectMlflowError(s.client.setTag(run.info.run_id, 't', 'v'), 'INVALID_PARAMETER_VALUE', 400);
    const active = await s.client.searchRuns({ experimentIds: [exp], filter: "attributes.run_name = 'doomed'" });
    expect(active.runs).toHaveLength(0);
    const deleted = await s.client.searchRuns({ experimentIds: [exp], filter: "attributes.run_name = 'doomed'", runViewType: 'DELETED_ONLY' });
    expect(deleted.runs).toHaveLength(1);
    await s.client.restoreRun(run.info.run_id);
    await s.client.logMetric(run.info.run_id, 'm', 1);
    expect((await s.client.getRun(run.info.run_id)).info.lifecycle_stage).toBe('active');
  });

  it('answers 404 for a missing run on get, every write, delete, and even an empty log-batch', async () => {
    const missing = 'f'.repeat(32);
    await expectMlflowError(s.client.getRun(missing), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(s.client.logMetric(missing, 'm', 1), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(s.client.logParam(missing, 'p', 'v'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(s.client.setTag(missing, 't', 'v'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(s.client.updateRun(missing, { status: 'FINISHED' }), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(s.client.deleteRun(missing), 'RESOURCE_DOES_NOT_EXIST', 404);
    // MLflow 2.11 answers the history of an unknown run with {} (200); the embedded server with a 404.
    if (s.embedded) await expectMlflowError(s.client.getMetricHistory(missing, 'm'), 'RESOURCE_DOES_NOT_EXIST', 404);
    else expect(await s.client.getMetricHistory(missing, 'm')).toEqual([]);
    const r = await raw(s.url, 'POST', 'runs/log-batch', { run_id: missing });
    expect(r.status).toBe(404);
    expect(r.json?.['error_code']).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses a run in a missing experiment (404) or a deleted one (400)', async () => {
    await expectMlflowError(s.client.createRun({ experimentId: '987654321' }), 'RESOURCE_DOES_NOT_EXIST', 404);
    const gone = await s.client.createExperiment(uniqueName('gone'));
    await s.client.deleteExperiment(gone);
    await expectMlflowError(s.client.createRun({ experimentId: gone }), 'INVALID_PARAMETER_VALUE', 400);
  });

  it('accepts the older run_uuid field and int64 fields sent as strings', async () => {
    const created = await raw(s.url, 'POST', 'runs/create', { experiment_id: exp, start_time: '1700000000000', run_name: 'strings' });
    expect(created.status).toBe(200);
    const run = created.json?.['run'] as { info: { run_id: string; start_time: number } };
    expect(run.info.start_time).toBe(1_700_000_000_000);
    const logged = await raw(s.url, 'POST', 'runs/log-metric', { run_uuid: run.info.run_id, key: 'm', value: '0.25', timestamp: '1700000000001', step: '3' });
    expect(logged).toMatchObject({ status: 200, json: {} });
    expect(await s.client.getMetricHistory(run.info.run_id, 'm')).toEqual([{ key: 'm', value: 0.25, timestamp: 1_700_000_000_001, step: 3 }]);
  });
});
