import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as predict } from '../../lib/cli/commands/predict';
import { memoryIo } from '../../lib/cli/io';
import { RegistryClient, resolveRegisteredModel } from '../../lib/tracking/registry-client';
import { FEATURE_NAMES } from '../../runtime/src/data/schema';
import { forward } from '../../runtime/src/model';
import { encodeModel, logModelArtifacts } from '../../runtime/src/model-file';
import { trainedModel } from '../runtime/model-file/helpers';
import { expectMlflowError, raw, serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

// The model registry contract (MLflow 2.x REST), against the embedded server or DOJO_TEST_TRACKING_URI.
let s: ServerUnderTest;
beforeAll(async () => {
  s = await serverUnderTest();
});
afterAll(async () => {
  await s.close();
});

describe('model registry', () => {
  it('registered models: create, get, duplicate refused, search, delete', async () => {
    const reg = new RegistryClient(s.client);
    const name = uniqueName('fare');
    const m = await reg.createRegisteredModel(name, 'the fare model');
    expect(m).toMatchObject({ name, description: 'the fare model' });
    expect(typeof m.creation_timestamp).toBe('number');
    await expect(reg.createRegisteredModel(name)).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 });
    expect((await reg.getRegisteredModel(name))?.name).toBe(name);
    expect((await reg.searchRegisteredModels(`name = '${name}'`)).map((r) => r.name)).toEqual([name]);
    expect((await reg.searchRegisteredModels(`name LIKE '${name.slice(0, 8)}%'`)).map((r) => r.name)).toContain(name);
    await reg.deleteRegisteredModel(name);
    expect(await reg.getRegisteredModel(name)).toBeUndefined();
    const bad = await raw(s.url, 'GET', `registered-models/get?name=${uniqueName('nope')}`);
    expect(bad.status).toBe(404);
    expect(bad.json?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('versions count from 1, stages transition (archiving the previous one), aliases point at versions', async () => {
    const reg = new RegistryClient(s.client);
    const name = uniqueName('fare');
    await reg.createRegisteredModel(name);
    const v1 = await reg.createModelVersion(name, 'runs:/aaa/model', 'aaa');
    const v2 = await reg.createModelVersion(name, 'runs:/bbb/model', 'bbb');
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    expect(v1).toMatchObject({ name, current_stage: 'None', source: 'runs:/aaa/model', run_id: 'aaa', status: 'READY' });
    expect(await reg.getModelVersion(name, '2')).toMatchObject({ source: 'runs:/bbb/model' });
    await expect(reg.getModelVersion(name, '3')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await reg.searchModelVersions(`name = '${name}'`)).map((v) => v.version).sort()).toEqual(['1', '2']);
    await reg.transitionStage(name, '1', 'Production');
    const p2 = await reg.transitionStage(name, '2', 'production', true);
    expect(p2.current_stage).toBe('Production');
    expect((await reg.getModelVersion(name, '1')).current_stage).toBe('Archived');
    await expect(reg.transitionStage(name, '1', 'Live')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await reg.setAlias(name, 'champion', '1');
    expect((await reg.getByAlias(name, 'champion')).version).toBe('1');
    expect((await reg.getRegisteredModel(name))?.aliases).toEqual([{ alias: 'champion', version: '1' }]);
    expect(await resolveRegisteredModel(s.client, name, '2')).toBe('runs:/bbb/model');
    expect(await resolveRegisteredModel(s.client, name, 'Production')).toBe('runs:/bbb/model');
    expect(await resolveRegisteredModel(s.client, name, 'champion')).toBe('runs:/aaa/model');
    expect(await resolveRegisteredModel(s.client, name, 'latest')).toBe('runs:/bbb/model');
    await expect(reg.createModelVersion(uniqueName('unregistered'), 'runs:/x/model')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('aliases as MLflow answers them: set, read (unset: 400), delete (JSON body only; 404 for an unknown model, no-op for an unset alias), @alias resolution', async () => {
    const reg = new RegistryClient(s.client);
    const name = uniqueName('fare');
    await reg.createRegisteredModel(name);
    await reg.createModelVersion(name, 'runs:/aaa/model', 'aaa');
    await reg.createModelVersion(name, 'runs:/bbb/model', 'bbb');
    await reg.setAlias(name, 'champion', '1');
    await reg.setAlias(name, 'challenger', '2');
    expect((await reg.getByAlias(name, 'challenger')).aliases).toEqual(['challenger']);
    expect(await resolveRegisteredModel(s.client, name, '@champion')).toBe('runs:/aaa/model');
    // The Python client's form: DELETE with a JSON body.
    await reg.deleteAlias(name, 'champion');
    await expectMlflowError(reg.getByAlias(name, 'champion'), 'INVALID_PARAMETER_VALUE', 400, /alias champion not found/);
    expect((await reg.getModelVersion(name, '1')).aliases ?? []).toEqual([]);
    expect((await reg.getRegisteredModel(name))?.aliases).toEqual([{ alias: 'challenger', version: '2' }]);
    // The REST docs' form, DELETE with the query, is refused by MLflow 2.11 (it reads only a JSON body).
    const q = await raw(s.url, 'DELETE', `registered-models/alias?${new URLSearchParams({ name, alias: 'challenger' })}`);
    expect([q.status, q.json?.['error_code']]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect((await reg.getRegisteredModel(name))?.aliases).toEqual([{ alias: 'challenger', version: '2' }]);
    await reg.deleteAlias(name, 'challenger');
    expect((await reg.getRegisteredModel(name))?.aliases ?? []).toEqual([]);
    await expect(resolveRegisteredModel(s.client, name, '@challenger')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/has no alias 'challenger'/) });
    // As MLflow: removing an alias that is not set is a no-op, an unknown model a 404.
    await reg.deleteAlias(name, 'champion');
    await expectMlflowError(reg.deleteAlias(uniqueName('nope'), 'champion'), 'RESOURCE_DOES_NOT_EXIST', 404);
    const noAlias = await raw(s.url, 'DELETE', 'registered-models/alias', { name });
    expect([noAlias.status, noAlias.json?.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect((await raw(s.url, 'PATCH', 'registered-models/alias', { name, alias: 'x' })).status).toBe(405);
    // The versions themselves are untouched.
    expect((await reg.searchModelVersions(`name = '${name}'`)).map((v) => v.version).sort()).toEqual(['1', '2']);
  });

  it('dojo predict --model models:/<name>/1 loads the registered run model', async () => {
    const exp = await s.client.getOrCreateExperiment(uniqueName('registry'));
    const run = await s.client.createRun({ experimentId: exp });
    const model = await trainedModel('float64', 1);
    await logModelArtifacts(s.client, run, encodeModel(model, { runId: run.info.run_id }), 'best_model');
    const name = uniqueName('job');
    const mv = await new RegistryClient(s.client).registerModel(name, `runs:/${run.info.run_id}/best_model`, run.info.run_id);
    expect(mv.version).toBe('1');
    const dir = s.storeDir ?? '/tmp';
    const input = join(dir, `${name}.csv`);
    writeFileSync(input, `${FEATURE_NAMES.join(',')}\n38.9,-77.03,38.91,-77.0,2017,5,3,14\n`);
    const io = memoryIo({ DOJO_TRACKING_URI: s.url });
    expect(await predict([], { model: `models:/${name}/1`, input, batch: 8 } as never, { io, debug: false })).toBe(0);
    const expected = forward(model, Float64Array.from([38.9, -77.03, 38.91, -77.0, 2017, 5, 3, 14]), 1)[0];
    expect(Number(io.stdout[1])).toBe(expected);
    // MLflow's alias syntax, models:/<name>@<alias>
    await new RegistryClient(s.client).setAlias(name, 'champion', '1');
    const byAlias = memoryIo({ DOJO_TRACKING_URI: s.url });
    expect(await predict([], { model: `models:/${name}@champion`, input, batch: 8 } as never, { io: byAlias, debug: false })).toBe(0);
    expect(Number(byAlias.stdout[1])).toBe(expected);
    await expect(predict([], { model: `models:/${name}@nobody`, input, batch: 8 } as never, { io: byAlias, debug: false })).rejects.toThrow(/has no alias 'nobody'/);
    await expect(predict([], { model: `models:/${name}/7`, input, batch: 8 } as never, { io, debug: false })).rejects.toThrow(/not found/);
  });
});
