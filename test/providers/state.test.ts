import { mkdtempSync, rmSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dojoHome, findJobDojo, isId, listDojoConfigs, listJobRecords, loadDojoConfig, loadJob, newId, readJson, saveDojoConfig, saveJob, writeJsonAtomic,
} from '../../lib/providers/state';
import type { DojoConfig, JobRecord } from '../../lib/providers/provider';

let home: string;
beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'dojo-state-'))));
afterEach(() => rmSync(home, { recursive: true, force: true }));

const cfg = (id: string, createdAt: string): DojoConfig => ({
  id, provider: 'local', createdAt, managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false,
});

describe('local index', () => {
  it('defaults DOJO_HOME to ~/.dojo and honours the variable', () => {
    expect(dojoHome({ DOJO_HOME: '/x/y' })).toBe('/x/y');
    expect(dojoHome({})).toMatch(/\.dojo$/);
  });

  it('makes ids that cannot escape the home folder', () => {
    const id = newId('dojo');
    expect(isId(id, 'dojo')).toBe(true);
    expect(isId(id, 'job')).toBe(false);
    expect(isId('../etc', 'dojo')).toBe(false);
    expect(isId('dojo-../../x', 'dojo')).toBe(false);
  });

  it('lists dojos most recent first and finds jobs across dojos', () => {
    saveDojoConfig(home, cfg('dojo-00000001', '2026-01-01T00:00:00.000Z'));
    saveDojoConfig(home, cfg('dojo-00000002', '2026-01-02T00:00:00.000Z'));
    mkdirSync(join(home, 'not-a-dojo'));
    expect(listDojoConfigs(home).map((c) => c.id)).toEqual(['dojo-00000002', 'dojo-00000001']);
    const job: JobRecord = { id: 'job-0000000a', dojoId: 'dojo-00000001', image: 'bundled', createdAt: '2026-01-03T00:00:00.000Z', status: 'created' };
    saveJob(home, job);
    expect(findJobDojo(home, 'job-0000000a')).toBe('dojo-00000001');
    expect(loadJob(home, 'job-0000000a')).toEqual(job);
    expect(listJobRecords(home, 'dojo-00000001')).toEqual([job]);
    expect(listJobRecords(home, 'dojo-00000002')).toEqual([]);
  });

  it('names the id and what to do when a dojo or job does not exist', () => {
    expect(() => loadDojoConfig(home, 'dojo-deadbeef')).toThrow(/no dojo "dojo-deadbeef" in .*dojo ls/);
    expect(() => loadJob(home, 'job-deadbeef')).toThrow(/no job "job-deadbeef".*dojo job ls/);
    expect(() => loadDojoConfig(home, '../../etc')).toThrow(/no dojo/);
  });

  it('writes atomically: no temp file is left and a reader sees whole files only', () => {
    const f = join(home, 'x.json');
    for (let i = 0; i < 50; i++) writeJsonAtomic(f, { i, pad: 'x'.repeat(1000) });
    expect(readJson<{ i: number }>(f)?.i).toBe(49);
    expect(readdirSync(home)).toEqual(['x.json']);
  });

  it('reports a corrupt file by name', () => {
    const f = join(home, 'bad.json');
    writeFileSync(f, '{"half": ');
    expect(() => readJson(f)).toThrow(/bad\.json: not valid JSON/);
    expect(readJson(join(home, 'missing.json'))).toBeUndefined();
  });
});
