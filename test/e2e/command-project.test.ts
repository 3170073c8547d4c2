// An MLflow Project as a command job (issue 14): `job create --project DIR` reads DIR/MLproject,
// each trial runs the `main` entry point with `--lr {lr}` and `--layers {layers}` filled from its
// hyperparameters; a space key the entry point does not declare is refused at `job start` (exit 2).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo/client';
import { Sandbox, ensureBuilt, keyValues } from './harness';

const TRAIN = `import argparse, json, os
a = argparse.ArgumentParser()
a.add_argument("--lr", type=float, required=True)
a.add_argument("--layers", type=int, required=True)
args = a.parse_args()
print(f"lr={args.lr} layers={args.layers}", flush=True)
with open(os.environ["DOJO_RESULT_FILE"], "a") as f:
    f.write(json.dumps({"value": args.lr * 100 + args.layers}) + "\\n")
`;
const MLPROJECT = `name: fare
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      lr: {type: float, default: 0.1}
      layers: {type: float}
    command: "python3 train.py --lr {lr} --layers {layers}"
`;

describe('an MLflow Project as a command job', () => {
  let box: Sandbox;
  let project: string;
  beforeAll(() => {
    ensureBuilt();
    box = new Sandbox();
    project = join(box.home, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'MLproject'), MLPROJECT);
    writeFileSync(join(project, 'train.py'), TRAIN);
  });
  afterAll(async () => box?.dispose(), 240_000);

  it('runs the study with the placeholders filled; refuses a space key the entry point does not declare', async () => {
    const dojo = await box.ok(['init']);
    await box.ok(['activate', dojo]);
    const info = keyValues(await box.ok(['inspect', dojo]));
    const created = await box.run(['job', 'create', '--dojo', dojo, '--project', project]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('python_env is not managed by a local dojo');
    const job = created.stdout.trim();
    const space = box.file('space.json', { lr: { type: 'float', low: 0.001, high: 0.01 }, layers: { type: 'int', low: 1, high: 4 } });
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '3', '--parallel', '1', '--seed', '4', '--metric', 'loss']);
    await box.ok(['job', 'start', job]);
    await box.ok(['job', 'wait', job, '--interval', '300'], 300_000);
    const study = await new HpoClient(info.DOJO_HPO_URI!, { token: info.DOJO_TOKEN }).getStudy(job);
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
    for (const t of study.trials) expect(t.value).toBeCloseTo(Number(t.params.lr) * 100 + Number(t.params.layers), 9);
    const logs = await box.ok(['job', 'logs', job, '--trial', '1']);
    const t1 = study.trials[1]!;
    expect(logs).toContain(`python3 train.py --lr ${t1.params.lr} --layers ${t1.params.layers}`);

    const other = await box.ok(['job', 'create', '--dojo', dojo, '--project', project]);
    const bad = box.file('bad-space.json', { lr: { type: 'float', low: 0.001, high: 0.01 }, momentum: { type: 'float', low: 0, high: 1 } });
    await box.ok(['hpo', 'enable', other, '--space', bad, '--num-runs', '1', '--metric', 'loss']);
    const r = await box.run(['job', 'start', other]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/bad-space\.json: momentum: the MLproject entry point main declares no such parameter \(it declares: lr, layers\)$/);
    const noEntry = await box.run(['job', 'create', '--dojo', dojo, '--project', project, '--entry-point', 'evaluate']);
    expect(noEntry.code).toBe(2);
    expect(noEntry.stderr.trim()).toMatch(/--entry-point evaluate: .*MLproject has no such entry point \(it has: main\)$/);
  }, 400_000);
});
