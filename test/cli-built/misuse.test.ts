// The built CLI (dist/bin/dojo.js) as users misuse it: hostile names in eval'd output, wrong ids,
// bad flags. Local provider, a fresh DOJO_HOME, nothing started that needs stopping.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, ensureBuilt, tinySpace } from '../e2e/harness';

let box: Sandbox;
let dojo: string;
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  dojo = await box.ok(['init']);
});
afterAll(async () => box?.dispose());

describe('eval "$(dojo job inspect J)"', () => {
  it('runs nothing embedded in a space file name and keeps the name and JSON quotes intact', async () => {
    const dir = join(box.home, 'evil');
    mkdirSync(dir);
    const name = "a b;touch x;$(touch y);`touch z`;'q'.json";
    writeFileSync(join(dir, name), JSON.stringify(tinySpace()));
    const job = await box.ok(['job', 'create', '--dojo', dojo]);
    await box.ok(['hpo', 'enable', job, '--space', join(dir, name), '--num-runs', '3']);
    const out = await box.ok(['job', 'inspect', job]);
    const script = `eval "$(cat)"; printf '%s\\0%s\\0%s' "$JOB_ID" "$JOB_HPO_SPACE" "$JOB_STATUS"`;
    const got = execFileSync('sh', ['-c', script], { cwd: dir, input: out, encoding: 'utf8' }).split('\0');
    expect(got).toEqual([job, join(dir, name), 'created']);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('dojo inspect output evals in sh to the same values as --json', async () => {
    const out = await box.ok(['inspect', dojo]);
    const json = JSON.parse(await box.ok(['inspect', dojo, '--json'])) as { id: string; status: string; createdAt: string };
    const got = execFileSync('sh', ['-c', `eval "$(cat)"; printf '%s\\0%s\\0%s' "$DOJO_ID" "$DOJO_STATUS" "$DOJO_CREATED_AT"`], { input: out, encoding: 'utf8' });
    expect(got.split('\0')).toEqual([json.id, json.status, json.createdAt]);
  });
});
