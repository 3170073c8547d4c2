// The built CLI (dist/bin/dojo.js) as users misuse it: hostile names in eval'd output, wrong ids,
// bad flags. Local provider, a fresh DOJO_HOME, nothing started that needs stopping.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, ensureBuilt, tinySpace } from '../e2e/harness';
import { editHeader } from '../runtime/model-file/helpers';

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

describe('nothing overwritten by accident (exit 2, the input unchanged)', () => {
  let d: string;
  let input: string;
  let model: string;
  beforeAll(async () => {
    d = join(box.home, 'ow');
    mkdirSync(d);
    await box.ok(['data', 'synth', '--rows', '300', '--parts', '1', '--out', join(d, 'train'), '--seed', '1']);
    await box.ok(['data', 'synth', '--rows', '100', '--parts', '1', '--out', join(d, 'val'), '--seed', '2']);
    input = join(d, 'val', 'part-00000.csv');
    expect(readdirSync(join(d, 'val'))).toContain('part-00000.csv');
    model = join(d, 'm.dojo');
    await box.ok(['train', '--train', join(d, 'train', 'part-*.csv'), '--val', input, '--hparams', '{"batch_size": 64, "max_batches": 2}', '--save', model]);
  }, 120_000);

  const refused = async (args: string[], flag: RegExp, files: string[]) => {
    const before = files.map((f) => readFileSync(f));
    const r = await box.run(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(flag);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    files.forEach((f, i) => expect(readFileSync(f).equals(before[i]!)).toBe(true));
  };

  it('predict --output onto its --input, also through another path or a symlink', async () => {
    await refused(['predict', '--model', model, '--input', input, '--output', input], /--output .*: that is the --input file/, [input]);
    await refused(['predict', '--model', model, '--input', join(d, 'val', '*.csv'), '--output', join(d, 'train', '..', 'val', 'part-00000.csv')], /that is the --input file/, [input]);
    symlinkSync(input, join(d, 'link.csv'));
    await refused(['predict', '--model', model, '--input', input, '--output', join(d, 'link.csv')], /that is the --input file/, [input]);
  });

  it('predict --output onto the model; model export --out onto its --model', async () => {
    await refused(['predict', '--model', model, '--input', input, '--output', model], /--output .*: that is the --model file/, [model]);
    await refused(['model', 'export', '--model', model, '--out', model], /--out .*: that is the --model file/, [model]);
    await refused(['model', 'export', '--model', model, '--out', `${d}/./m.dojo`], /that is the --model file/, [model]);
  });

  it('train --save onto its training data', async () => {
    const part = join(d, 'train', 'part-00000.csv');
    await refused(['train', '--train', join(d, 'train', 'part-*.csv'), '--val', input, '--save', part], /--save .*: that is the --train file/, [part]);
  });

  it('a model whose header dtype disagrees with its payload is refused by predict and model export', async () => {
    const bad = join(d, 'bad.dojo');
    writeFileSync(bad, editHeader(readFileSync(model), (h) => (h.dtype = h.dtype === 'float64' ? 'float32' : 'float64')));
    for (const args of [['predict', '--model', bad, '--input', input], ['model', 'export', '--model', bad, '--out', join(d, 'bad.onnx')]]) {
      const r = await box.run(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/bad\.dojo: invalid model header: dtype float\d+ with these tensor shapes makes a \d+-byte payload/);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(d)).not.toContain('bad.onnx');
  });

  it('--hparams that is JSON but not an object says so', async () => {
    const r = await box.run(['train', '--train', join(d, 'train', 'part-*.csv'), '--val', input, '--hparams', '[1,2]']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`dojo: --hparams: must be a JSON object such as '{"lr": 0.01, "batch_size": 512}' (or a file holding one), got a JSON array`);
  });
});

describe('usage errors exit 2 with one line', () => {
  it('a nonexistent dojo or job id', async () => {
    for (const args of [['inspect', 'dojo-00000000'], ['activate', 'dojo-00000000'], ['rm', 'dojo-00000000', '--yes'], ['job', 'inspect', 'job-00000000'], ['job', 'logs', 'job-00000000'], ['inspect', '../etc']]) {
      const r = await box.run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^dojo: no (dojo|job) ".*" in .*; run `dojo (job )?ls` to see the (dojos|jobs)\n$/);
    }
  });

  it('job logs --trial of a job that has not started', async () => {
    const job = await box.ok(['job', 'create', '--dojo', dojo]);
    const r = await box.run(['job', 'logs', job, '--trial', '99']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`dojo: --trial 99: job ${job} has not started, so it has no trials yet`);
  });
});

describe('echoed input cannot drive the terminal', () => {
  it('a CSV header with escape sequences is reported with them escaped', async () => {
    const d = join(box.home, 'esc');
    mkdirSync(d);
    const evil = 'fareamount_double\x1b]0;pwned\x07,\x1b[2J\x1b[31mred\r,c\n1,2,3\n';
    writeFileSync(join(d, 'part-0.csv'), evil);
    const r = await box.run(['train', '--train', join(d, 'part-0.csv'), '--val', join(d, 'part-0.csv')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/header/);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(r.stderr).toContain('header column 1 is "fareamount_double\\x1b]0;pwned\\x07"');
  });
});

describe('dojo ui of a local dojo', () => {
  it('prints the UI address with the token once the dojo is active, and says to activate it before', async () => {
    const before = await box.run(['ui', dojo]);
    expect(before.code).toBe(1);
    expect(before.stderr.trim()).toBe(`dojo: dojo ${dojo} is not active; run \`dojo activate ${dojo}\` first`);
    await box.ok(['activate', dojo]);
    try {
      const url = await box.ok(['ui', dojo]);
      const token = readFileSync(join(box.home, dojo, 'token'), 'utf8').trim();
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${token}$`));
      // The address opens the UI: a redirect that sets the cookie.
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toMatch(/^dojo_token=.*HttpOnly; SameSite=Strict/);
    } finally {
      await box.ok(['deactivate', dojo]);
    }
  });
});
