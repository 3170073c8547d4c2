// The Provider contract: what every provider does the same way, as one suite run over each of them
// (local.test.ts: real processes; aws.test.ts: SDK mocks with tasks that are real processes; an
// emulated-AWS world can be added the same way). A world gives the suite a provider with dojos in
// known states and fake workers (fake-worker.mjs) that keep the worker side of the contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DojoError } from '../../../lib/errors';
import { HpoClient } from '../../../lib/hpo/client';
import type { HpoSettings, JobProgress, Provider } from '../../../lib/providers/provider';
import { workerSettingsFromEnv } from '../../../runtime/src/worker/env';

/** A provider and the dojos the suite needs, in a $DOJO_HOME of their own. */
export interface ContractWorld {
  readonly provider: Provider;
  /** A dojo of the provider whose manager answers. */
  readonly activeDojo: string;
  /** A dojo of the provider that is not active. */
  readonly inactiveDojo: string;
  /** A dojo of the other provider in the same $DOJO_HOME. */
  readonly foreignDojo: string;
  /** The HPO service of the active dojo, as the test reaches it. */
  readonly hpoUri: string;
  /** The dojo's token, when its servers require one. */
  readonly hpoToken?: string;
  /** The command line of a command job's replicas that runs fake-replica.mjs where this provider runs replicas. */
  readonly replicaCommand?: string;
  /** The data globs a job of this provider may read. */
  readonly dataEnv: Readonly<Record<string, string>>;
  /** The environments of a started job's workers, once all `count` of them run (bounded wait). */
  workerEnvs(jobId: string, count: number): Promise<Record<string, string>[]>;
  /** Ends every worker of the job at once, as a crash would (SIGKILL). */
  killWorkers(jobId: string): Promise<void>;
  /** Removes everything the world started. */
  close(): Promise<void>;
}

/** Opens a fresh world of one provider. */
export type OpenWorld = () => Promise<ContractWorld>;

const SPACE = { lr: { type: 'float', low: 0.001, high: 0.1, log: true }, layers: { type: 'int', low: 1, high: 3 } };

/** Study settings of the suite's jobs. */
function settings(numRuns: number, parallel: number): HpoSettings {
  return { space: SPACE, spaceFile: 'space.json', numRuns, parallel, sampler: 'random', pruner: 'none', seed: 3, metric: 'val_rmse', direction: 'minimize' };
}

/** The DojoError code and message of a failed call. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DojoError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** Polls cond until it holds; every wait of the suite is bounded by the test's timeout instead of a window. */
async function until<T>(cond: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await cond();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a provider's world supports beyond the built-in jobs. */
export interface ContractOptions {
  /** Command jobs (their trial driver and replica launcher) run on this provider; the world gives replicaCommand. */
  readonly commandJobs?: boolean;
}

/** Registers the contract suite over the provider of the worlds `open` makes. */
export function providerContract(name: string, open: OpenWorld, options: ContractOptions = {}): void {
  describe(`Provider contract: ${name}`, () => {
    let w: ContractWorld;
    let p: Provider;
    beforeAll(async () => {
      w = await open();
      p = w.provider;
    });
    afterAll(async () => w?.close());

    it('records a built-in job, lists it first, shows no progress before it starts', async () => {
      const job = await p.createJob(w.activeDojo, {});
      expect(job).toMatchObject({ dojoId: w.activeDojo, kind: 'builtin', image: 'bundled', status: 'created' });
      expect((await p.listJobs(w.activeDojo))[0]!.id).toBe(job.id);
      expect((await p.listJobs()).map((j) => j.id)).toContain(job.id);
      const info = await p.inspectJob(job.id);
      expect(info.progress).toBeUndefined();
      expect(await p.jobProgress(job.id)).toMatchObject({ jobId: job.id, status: 'created', total: 1, complete: 0, running: 0, workersAlive: 0 });
    });

    it('waiting on a job that was never started is a CONFLICT saying how to start it', async () => {
      const job = await p.createJob(w.activeDojo, {});
      await p.enableHpo(job.id, settings(2, 1));
      expect(await failure(p.waitJob(job.id, { onProgress: () => undefined }))).toBe(
        `CONFLICT: job ${job.id} has not been started; run \`dojo job start ${job.id} -e DOJO_TRAIN_GLOB ... -e DOJO_VAL_GLOB ...\``,
      );
    });

    it('a dojo of the other provider is a USAGE error naming both providers; unknown ids are NOT_FOUND', async () => {
      const other = p.name === 'local' ? 'aws' : 'local';
      const wrong = `USAGE: dojo ${w.foreignDojo} runs on the ${other} provider, not ${p.name}`;
      expect(await failure(p.inspect(w.foreignDojo))).toBe(wrong);
      expect(await failure(p.createJob(w.foreignDojo, {}))).toBe(wrong);
      expect(await failure(p.listJobs(w.foreignDojo))).toBe(wrong);
      expect(await failure(p.inspect('dojo-99999999'))).toMatch(/^NOT_FOUND: no dojo "dojo-99999999"/);
      expect(await failure(p.inspectJob('job-99999999'))).toMatch(/^NOT_FOUND: no job "job-99999999"/);
    });

    it('refuses a start without a space (USAGE), beyond --max-workers (USAGE) and on an inactive dojo (UNAVAILABLE), starting nothing', async () => {
      const job = await p.createJob(w.activeDojo, {});
      expect(await failure(p.startJob(job.id, { replicas: 1, env: w.dataEnv }))).toMatch(new RegExp(`^USAGE: job ${job.id} has no search space`));
      await p.enableHpo(job.id, settings(4, 3));
      expect(await failure(p.startJob(job.id, { replicas: 100, env: w.dataEnv }))).toMatch(/^USAGE: --parallel 3 × --replicas 100 = 300 workers exceeds the dojo's --max-workers \d+$/);
      const idle = await p.createJob(w.inactiveDojo, {});
      await p.enableHpo(idle.id, settings(2, 1));
      expect(await failure(p.startJob(idle.id, { replicas: 1, env: w.dataEnv }))).toBe(
        `UNAVAILABLE: dojo ${w.inactiveDojo} is not active; run \`dojo activate ${w.inactiveDojo}\` first`,
      );
      expect((await p.inspectJob(job.id)).status).toBe('created');
      expect((await p.inspectJob(idle.id)).status).toBe('created');
    });

    it('starts a job: its study first, then parallel × replicas workers with the worker contract environment; runs it to completion', async () => {
      const job = await p.createJob(w.activeDojo, {});
      await p.enableHpo(job.id, settings(6, 2));
      const progress: string[] = [];
      const info = await p.startJob(job.id, { replicas: 2, env: { ...w.dataEnv, DOJO_EVAL_EVERY: '3' } }, (m) => progress.push(m));
      expect(info).toMatchObject({ id: job.id, status: 'running', run: { replicas: 2, parallel: 2 } });
      const studyId = info.run!.studyId;
      expect(progress[0]).toBe(`study ${studyId}: 6 trials, 2 at a time, 2 replica(s) each`);
      const study = await new HpoClient(w.hpoUri, { token: w.hpoToken }).getStudy(studyId);
      expect(study).toMatchObject({ name: job.id, direction: 'minimize', maxTrials: 6, metric: 'val_rmse' });

      // What every worker was given reads back through the runtime's own reader.
      const envs = await w.workerEnvs(job.id, 4);
      const read = envs.map((e) => workerSettingsFromEnv(e));
      expect(read.map((s) => s.group).sort()).toEqual(['0', '0', '1', '1']);
      for (const s of read) {
        expect(s).toMatchObject({ studyId, replicas: 2, jobId: job.id, metric: 'val_rmse', trainGlob: w.dataEnv.DOJO_TRAIN_GLOB, valGlob: w.dataEnv.DOJO_VAL_GLOB, evalEvery: 3 });
        expect(s.hpoUri).toMatch(/^http:\/\//);
        expect(s.trackingUri).toMatch(/^http:\/\//);
      }

      const seen: JobProgress[] = [];
      const final = await p.waitJob(job.id, { intervalMs: 100, onProgress: (x) => seen.push(x) });
      expect(final).toMatchObject({ jobId: job.id, status: 'completed', total: 6, complete: 6, running: 0, failed: 0, workersAlive: 0, metric: 'val_rmse' });
      expect(final.best?.value).toBe(Math.min(...(await new HpoClient(w.hpoUri, { token: w.hpoToken }).getStudy(studyId)).trials.map((t) => t.value!)));
      expect(seen.at(-1)).toEqual(final);
      const ended = await p.inspectJob(job.id);
      expect(ended).toMatchObject({ status: 'completed', progress: { status: 'completed', complete: 6 } });
      expect(ended.run?.endedAt).toBeDefined();
      // A started job keeps its settings and cannot start again.
      expect(await failure(p.enableHpo(job.id, settings(2, 1)))).toMatch(new RegExp(`^CONFLICT: job ${job.id} was started already \\(status completed\\)`));
      expect(await failure(p.startJob(job.id, { replicas: 1, env: w.dataEnv }))).toMatch(new RegExp(`^CONFLICT: job ${job.id} was started already`));
      // Waiting on an ended job answers at once.
      expect((await p.waitJob(job.id, { onProgress: () => undefined })).status).toBe('completed');
    });

    if (options.commandJobs) {
      it('runs a command job: one trial driver per parallel slot, R replicas per trial with the replica contract environment, values from the result file', async () => {
        const job = await p.createJob(w.activeDojo, { command: { command: w.replicaCommand!, workdir: process.cwd() } });
        expect(job).toMatchObject({ kind: 'command', command: { command: w.replicaCommand } });
        await p.enableHpo(job.id, settings(4, 2));
        const info = await p.startJob(job.id, { replicas: 2, env: { CONTRACT_FLAG: 'y' } });
        const studyId = info.run!.studyId;
        const final = await p.waitJob(job.id, { intervalMs: 100, onProgress: () => undefined });
        expect(final).toMatchObject({ jobId: job.id, status: 'completed', total: 4, complete: 4, failed: 0, workersAlive: 0, metric: 'val_rmse' });
        const study = await new HpoClient(w.hpoUri, { token: w.hpoToken }).getStudy(studyId);
        for (const t of study.trials) expect(t.value).toBeCloseTo(Number(t.params.lr) + Number(t.params.layers), 12);
        expect(final.best?.value).toBe(Math.min(...study.trials.map((t) => t.value!)));

        const lines: string[] = [];
        await p.jobLogs(job.id, { follow: false, onLine: (l) => lines.push(l.text) });
        const envs = lines.flatMap((l) => {
          const m = /^\[trial (\d+)\] \[rank (\d+)\] contract-replica env (.*)$/.exec(l);
          return m ? [{ trial: Number(m[1]), rank: Number(m[2]), env: JSON.parse(m[3]!) as Record<string, string> }] : [];
        });
        expect(envs).toHaveLength(8);
        for (const t of study.trials) {
          const mine = envs.filter((e) => e.trial === t.number).sort((a, b) => a.rank - b.rank);
          expect(mine.map((e) => e.env.RANK)).toEqual(['0', '1']);
          for (const { env } of mine) {
            expect(env).toMatchObject({
              DOJO_TRIAL_NUMBER: String(t.number), DOJO_STUDY: studyId, DOJO_JOB_ID: job.id, DOJO_METRIC: 'val_rmse', MLFLOW_RUN_ID: t.runId,
              WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', KAEN_WORLD_SIZE: '2', KAEN_RANK: env.RANK, CONTRACT_FLAG: 'y',
              MASTER_ADDR: mine[0]!.env.MASTER_ADDR, MASTER_PORT: mine[0]!.env.MASTER_PORT, KAEN_JOB_MANAGER_IP: mine[0]!.env.MASTER_ADDR,
            });
            expect(JSON.parse(env.DOJO_TRIAL_PARAMS!)).toEqual(t.params);
            expect(env.MLFLOW_TRACKING_URI).toMatch(/^http:\/\//);
            expect(Number(env.MASTER_PORT)).toBeGreaterThan(0);
          }
        }
      });
    }

    it('stop ends the workers of a job and records it stopped', async () => {
      const job = await p.createJob(w.activeDojo, {});
      await p.enableHpo(job.id, settings(4, 2));
      await p.startJob(job.id, { replicas: 1, env: { ...w.dataEnv, CONTRACT_WORKER: 'hold' } });
      await until(async () => ((await p.jobProgress(job.id)).running === 2 ? true : undefined));
      const stopped = await p.stopJob(job.id);
      expect(stopped.status).toBe('stopped');
      expect(stopped.run?.endedAt).toBeDefined();
      const final = await p.waitJob(job.id, { onProgress: () => undefined });
      expect(final).toMatchObject({ status: 'stopped', workersAlive: 0 });
    });

    it('a job whose workers all die before its study ends is recorded failed', async () => {
      const job = await p.createJob(w.activeDojo, {});
      await p.enableHpo(job.id, settings(4, 2));
      await p.startJob(job.id, { replicas: 1, env: { ...w.dataEnv, CONTRACT_WORKER: 'hold' } });
      await until(async () => ((await p.jobProgress(job.id)).running === 2 ? true : undefined));
      await w.killWorkers(job.id);
      const final = await p.waitJob(job.id, { intervalMs: 100, onProgress: () => undefined });
      expect(final).toMatchObject({ status: 'failed', workersAlive: 0 });
      expect((await p.inspectJob(job.id)).status).toBe('failed');
    });
  });
}
