// A corrupt file in DOJO_HOME (a config.json or job record that is not JSON, or not the schema) is
// reported in one line naming it and what to do, and skipped: `ls`, `job ls` and `job inspect` of
// other jobs go on; `rm` of that dojo removes it, ending the processes it recorded. Built CLI.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, ensureBuilt, processesMentioning, until } from '../e2e/harness';

let box: Sandbox;
let good: string;
let notJson: string;
let notSchema: string;
let goodJob: string;
let badJob: string;
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  [good, notJson, notSchema] = [await box.ok(['init']), await box.ok(['init']), await box.ok(['init'])];
  goodJob = await box.ok(['job', 'create', '--dojo', good]);
  badJob = await box.ok(['job', 'create', '--dojo', good]);
  // notJson's manager runs when its config goes bad: rm must still end it.
  await box.ok(['activate', notJson]);
  writeFileSync(join(box.home, notJson, 'config.json'), '{"id": "' + notJson + '", "provid');
  writeFileSync(join(box.home, notSchema, 'config.json'), JSON.stringify({ id: notSchema, provider: 'gcp', createdAt: 'x', maxWorkers: 1 }));
  writeFileSync(join(box.home, good, 'jobs', `${badJob}.json`), JSON.stringify({ id: badJob, dojoId: good, status: 'flying', createdAt: 'x' }));
});
afterAll(async () => box?.dispose());

const cfg = (id: string) => join(box.home, id, 'config.json');

describe('a corrupt file in DOJO_HOME', () => {
  it('ls lists the other dojos and names each corrupt config once, with what to do', async () => {
    const r = await box.run(['ls']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(good);
    expect(r.stdout).not.toContain(notJson);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`dojo: warning: skipped ${cfg(notJson)}: not valid JSON (${lines.find((l) => l.includes(notJson))?.match(/not valid JSON \((.*)\); fix/)?.[1]}); fix the file, or remove the dojo with \`dojo rm ${notJson} --yes\``);
    expect(lines).toContain(`dojo: warning: skipped ${cfg(notSchema)}: "provider" is "gcp", not "local" or "aws"; fix the file, or remove the dojo with \`dojo rm ${notSchema} --yes\``);
    expect((await box.run(['ls', '--long'])).code).toBe(0);
  });

  it('job ls lists the good job and names the corrupt record; job inspect of the good job works, of the bad one fails naming its file', async () => {
    const file = join(box.home, good, 'jobs', `${badJob}.json`);
    const ls = await box.run(['job', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(goodJob);
    expect(ls.stderr).toContain(`dojo: warning: skipped ${file}: "status" is "flying", not one of created, starting, running, suspended, completed, failed, stopped; fix the file, or remove it (rm ${file}) to forget the job`);
    const ok = await box.run(['job', 'inspect', goodJob]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`JOB_ID=${goodJob}`);
    const bad = await box.run(['job', 'inspect', badJob]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n').pop()).toBe(`dojo: ${file}: "status" is "flying", not one of created, starting, running, suspended, completed, failed, stopped; fix the file, or remove it (rm ${file}) to forget the job`);
  });

  it('rm removes a dojo with a corrupt config, ending the manager it recorded', async () => {
    const dir = join(box.home, notJson);
    expect(processesMentioning(`manager serve --dir ${dir}`)).toHaveLength(1);
    const r = await box.run(['rm', notJson, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${cfg(notJson)}: not valid JSON`);
    expect(existsSync(dir)).toBe(false);
    await until('manager gone', () => (processesMentioning(`manager serve --dir ${dir}`).length === 0 ? true : undefined), 10_000);
    const r2 = await box.run(['rm', notSchema, '--yes']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(existsSync(join(box.home, notSchema))).toBe(false);
    expect((await box.run(['ls'])).stderr).toBe('');
  });
});
