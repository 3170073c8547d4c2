// README: "deactivate … processes stopped, data kept (activate again to resume)". A running job's
// study goes on after deactivate + activate: real manager and worker processes, tiny data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJobInfo } from '../../../lib/cli/commands/job-inspect/format';
import { formatProgress } from '../../../lib/cli/commands/job-wait/format';
import { HpoClient } from '../../../lib/hpo/client';
import type { HpoSettings } from '../../../lib/providers/provider';
import { LocalProvider } from '../../../lib/providers/local/provider';
import { loadJob } from '../../../lib/providers/state';
import { CLI, Sandbox, ensureBuilt, processesMentioning, tinySpace } from '../../e2e/harness';

let box: Sandbox;
let provider: LocalProvider;
let dojo: string;
let env: Record<string, string>;
let finished: string | undefined;
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  provider = new LocalProvider({ home: box.home, cli: { command: process.execPath, args: [CLI] } });
  const data = await box.data(2000, 400);
  env = { DOJO_TRAIN_GLOB: data.train, DOJO_VAL_GLOB: data.val };
  dojo = (await provider.init({ maxWorkers: 2 })).id;
  await provider.activate(dojo);
});
afterAll(async () => box?.dispose());

const NUM_RUNS = 8;
const settings: HpoSettings = {
  space: tinySpace([100, 200]) as HpoSettings['space'],
  spaceFile: 'space.json',
  numRuns: NUM_RUNS,
  parallel: 2,
  sampler: 'random',
  pruner: 'none',
  seed: 3,
  metric: 'val_rmse',
  direction: 'minimize',
};

describe('deactivate then activate', () => {
  it('suspends a running job mid-study and resumes it: the job finishes with all its trials, none left running', async () => {
    const job = (await provider.createJob(dojo, {})).id;
    await provider.enableHpo(job, settings);
    await provider.startJob(job, { replicas: 1, env });
    // Mid-study: once the first trial has ended (the study is far from done then).
    const stop = new AbortController();
    const mid = await provider.waitJob(job, {
      intervalMs: 100,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.complete + p.pruned + p.failed >= 1) stop.abort();
      },
    });
    expect(mid.status).toBe('running');
    expect(mid.complete + mid.pruned + mid.failed).toBeLessThan(NUM_RUNS);

    const progress: string[] = [];
    await provider.deactivate(dojo, (m) => progress.push(m));
    expect(progress.join('\n')).toContain(`job ${job} suspended; \`dojo activate ${dojo}\` resumes it`);
    expect(loadJob(box.home, job).status).toBe('suspended');
    expect(processesMentioning(`worker run --job ${job}`)).toEqual([]);

    const back = await provider.activate(dojo, (m) => progress.push(m));
    expect(progress.join('\n')).toContain(`resuming job ${job}`);
    expect(loadJob(box.home, job).status).toBe('running');
    expect(back.workers).toBe(2);

    const final = await provider.waitJob(job, { intervalMs: 200, onProgress: () => undefined });
    expect(final.status).toBe('completed');
    expect(final.complete + final.pruned + final.failed).toBe(NUM_RUNS);
    expect(final.running).toBe(0);
    const study = await new HpoClient(back.hpoUri!, { token: back.extra?.DOJO_TOKEN }).getStudy(loadJob(box.home, job).run!.studyId);
    expect(study.trials.filter((t) => t.state === 'running')).toEqual([]);
    expect(study.trials).toHaveLength(NUM_RUNS);
    finished = job;
  });
});

describe('while the manager is down', () => {
  it('job wait and job inspect say the trial counts are unknown, and why, instead of 0 complete', async () => {
    expect(finished).toBeDefined();
    await provider.deactivate(dojo);
    const why = `dojo ${dojo} is not active; run \`dojo activate ${dojo}\` first`;
    const p = await provider.waitJob(finished!, { onProgress: () => undefined });
    expect(p).toMatchObject({ status: 'completed', countsUnknown: why });
    expect(formatProgress(p)).toMatch(new RegExp(`^${finished} completed · trial counts unknown: dojo ${dojo} is not active; .* · elapsed \\d+:\\d\\d$`));
    const info = await provider.inspectJob(finished!);
    expect(info.countsUnknown).toBe(why);
    const lines = formatJobInfo(info);
    expect(lines).toContain(`JOB_TRIALS_UNKNOWN='${why}'`);
    expect(lines.join('\n')).not.toMatch(/JOB_TRIALS_COMPLETE/);
  });
});
