import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMlflowError, raw, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

let s: ServerUnderTest;
beforeAll(async () => {
  s = await serverUnderTest();
});
afterAll(async () => s.close());

describe('tracking contract: health and routing', () => {
  it('answers /health, /version, both API prefixes, 404 for unknown paths and 405 for GET runs/search', async () => {
    expect(await (await fetch(`${s.url}/health`)).text()).toBe('OK');
    expect((await (await fetch(`${s.url}/version`)).text()).trim()).toMatch(/^\d+\.\d+/);
    const viaAjax = await fetch(`${s.url}/ajax-api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect(viaAjax.status).toBe(200);
    expect(((await viaAjax.json()) as { experiment: { name: string } }).experiment.name).toBe('Default');
    expect((await raw(s.url, 'GET', 'no/such-endpoint')).status).toBe(404);
    expect((await raw(s.url, 'GET', 'runs/search')).status).toBe(405);
  });

  it('answers 400 INVALID_PARAMETER_VALUE to a POST that is not application/json', async () => {
    const r = await raw(s.url, 'POST', 'experiments/create', JSON.stringify({ name: uniqueName('ct') }), 'text/plain');
    expect(r.status).toBe(400);
    expect(r.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
    const malformed = await raw(s.url, 'POST', 'experiments/create', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(typeof malformed.json?.['error_code']).toBe('string');
  });
});

describe('tracking contract: experiments', () => {
  it('creates, gets by id and by name, with tags and mlflow-artifacts location', async () => {
    const name = uniqueName('exp');
    const id = await s.client.createExperiment(name, { team: 'dojo' });
    expect(id).toMatch(/^\d+$/);
    const e = await s.client.getExperiment(id);
    expect(e).toMatchObject({ experiment_id: id, name, lifecycle_stage: 'active', tags: [{ key: 'team', value: 'dojo' }] });
    if (s.embedded) expect(e.artifact_location).toBe(`mlflow-artifacts:/${id}`);
    expect((await s.client.getExperimentByName(name))?.experiment_id).toBe(id);
    expect(await s.client.getOrCreateExperiment(name)).toBe(id);
  });

  it('refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS, even when the first one is deleted', async () => {
    const name = uniqueName('dup');
    const id = await s.client.createExperiment(name);
    await expectMlflowError(s.client.createExperiment(name), 'RESOURCE_ALREADY_EXISTS', 400);
    await s.client.deleteExperiment(id);
    expect((await s.client.getExperiment(id)).lifecycle_stage).toBe('deleted');
    await expectMlflowError(s.client.createExperiment(name), 'RESOURCE_ALREADY_EXISTS', 400);
    await s.client.restoreExperiment(id);
    expect((await s.client.getExperiment(id)).lifecycle_stage).toBe('active');
  });

  it('answers 404 for a missing or non-numeric experiment id and undefined for an unknown name', async () => {
    await expectMlflowError(s.client.getExperiment('987654321'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(s.client.getExperiment('not-a-number'), 'RESOURCE_DOES_NOT_EXIST', 404);
    expect(await s.client.getExperimentByName(uniqueName('nobody'))).toBeUndefined();
    const r = await raw(s.url, 'GET', `experiments/get-by-name?experiment_name=${uniqueName('nobody')}`);
    expect(r.status).toBe(404);
    expect(r.json?.['error_code']).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('answers 400 for a create without a name', async () => {
    const r = await raw(s.url, 'POST', 'experiments/create', {});
    expect(r.status).toBe(400);
    expect(r.json?.['error_code']).toBe('INVALID_PARAMETER_VALUE');
  });

  it('renames, sets tags, and searches by name with LIKE, newest first by default', async () => {
    const prefix = uniqueName('srch');
    const a = await s.client.createExperiment(`${prefix}-a`);
    await new Promise((r) => setTimeout(r, 5));
    const b = await s.client.createExperiment(`${prefix}-b`);
    await s.client.renameExperiment(b, `${prefix}-bb`);
    await s.client.setExperimentTag(a, 'stage', 'dev');
    const found = await s.client.searchExperiments({ filter: `name LIKE '${prefix}%'` });
    expect(found.experiments.map((e) => e.name)).toEqual([`${prefix}-bb`, `${prefix}-a`]);
    const byTag = await s.client.searchExperiments({ filter: `name LIKE '${prefix}%' AND tags.stage = 'dev'` });
    expect(byTag.experiments.map((e) => e.experiment_id)).toEqual([a]);
    const paged = await s.client.searchExperiments({ filter: `name LIKE '${prefix}%'`, maxResults: 1 });
    expect(paged.experiments).toHaveLength(1);
    expect(paged.nextPageToken).toBeDefined();
    const next = await s.client.searchExperiments({ filter: `name LIKE '${prefix}%'`, maxResults: 1, pageToken: paged.nextPageToken });
    expect(next.experiments[0]!.name).toBe(`${prefix}-a`);
    await expectMlflowError(s.client.searchExperiments({ filter: 'name ~ 3' }), 'INVALID_PARAMETER_VALUE', 400);
  });

  it('answers {} (nothing, not an empty list) to a search with no match', async () => {
    // max_results is sent: MLflow 2.11 answers 400 without it (TrackingClient always sends it).
    const r = await raw(s.url, 'POST', 'experiments/search', { filter: `name = '${uniqueName('none')}'`, max_results: 10 });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
  });
});
