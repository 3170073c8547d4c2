import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../lib/cli/commands';
import { memoryIo } from '../../lib/cli/io';
import { main } from '../../lib/cli/main';
import { checkStudySpec } from '../../lib/hpo/spec';
import { jobStudySpec } from '../../lib/providers/jobs/start';
import { LocalProvider } from '../../lib/providers/local/provider';
import type { JobRecord } from '../../lib/providers/provider';

const home = mkdtempSync(join(tmpdir(), 'dojo-hpo-flags-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const space = { lr: { type: 'float', low: 0.001, high: 0.1, log: true }, layers: { type: 'int', low: 1, high: 3 }, neurons: { type: 'int', low: 8, high: 64 }, optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] } };

function file(name: string, text: string): string {
  const f = join(home, name);
  writeFileSync(f, text);
  return f;
}

async function enable(job: string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({ DOJO_HOME: home });
  const code = await main(['node', 'dojo', 'hpo', 'enable', job, '--space', file('space.json', JSON.stringify(space)), '--num-runs', '4', '--json', ...flags], io, commands);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('dojo hpo enable: --sampler auto by default, --enqueue FILE, --from-study', () => {
  it('records auto, the enqueued sets and the earlier study in the job, and job start asks the service for them', async () => {
    const provider = new LocalProvider({ home });
    const cfg = await provider.init({ maxWorkers: 2 });
    const job = await provider.createJob(cfg.id, {});
    const sets = file('first.json', JSON.stringify([{ lr: 0.01, layers: 2, optimizer: 'Adam' }, { lr: 0.05 }]));
    const r = await enable(job.id, '--enqueue', sets, '--from-study', 'job-earlier');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.out) as JobRecord;
    expect(rec.hpo).toMatchObject({ sampler: 'auto', enqueue: [{ lr: 0.01, layers: 2, optimizer: 'Adam' }, { lr: 0.05 }], fromStudy: 'job-earlier' });
    const spec = jobStudySpec(job.id, rec.hpo!);
    expect(spec).toMatchObject({ sampler: { name: 'auto' }, enqueue: [{ lr: 0.01, layers: 2, optimizer: 'Adam' }, { lr: 0.05 }], fromStudy: 'job-earlier' });
    expect(checkStudySpec(spec).ok).toBe(true);
    const plain = await enable((await provider.createJob(cfg.id, {})).id, '--sampler', 'gp');
    expect(JSON.parse(plain.out).hpo).not.toHaveProperty('enqueue');
    expect(jobStudySpec(job.id, JSON.parse(plain.out).hpo)).toMatchObject({ sampler: { name: 'gp' } });
  });

  it('refuses a bad --enqueue file with exit 2 and one line naming the file, the entry and the parameter', async () => {
    const provider = new LocalProvider({ home });
    const cfg = await provider.init({ maxWorkers: 2 });
    const job = await provider.createJob(cfg.id, {});
    const cases: [string, string][] = [
      ['[{"lr": 0.5}]', 'bad1.json: [0].lr: 0.5 is outside the space: must be a number in [0.001, 0.1]'],
      ['[{"lr": 0.01}, {"depth": 2}]', 'bad2.json: [1].depth: not a parameter of the space (lr, layers, neurons, optimizer)'],
      ['{"lr": 0.01}', 'bad3.json: must be a JSON list of parameter objects'],
      ['[3]', 'bad4.json: [0]: must be an object'],
      ['[{"lr": ', 'bad5.json: not valid JSON'],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const r = await enable(job.id, '--enqueue', file(`bad${i + 1}.json`, text));
      expect(r.code, text).toBe(2);
      expect(r.err, text).toContain(message);
      expect(r.err.trim().split('\n'), text).toHaveLength(1);
    }
    const missing = await enable(job.id, '--enqueue', join(home, 'none.json'));
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain('--enqueue');
    expect((await enable(job.id, '--from-study', 'a b')).code).toBe(2);
    expect((await enable(job.id, '--sampler', 'cmaes')).code).toBe(2);
  });
});
