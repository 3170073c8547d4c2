import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricDeliveries, TrackingClient } from '../../lib/tracking';
import { MetricsPolicy } from '../../runtime/src/train/metrics-policy';
import { REAL_MLFLOW_MISSING, REAL_MLFLOW_MODE, startRealMlflow, type RealMlflow } from './real-mlflow';

// Issue 16's load test against the real MLflow 2.11.3: 4 trials of 40,000 steps logging in parallel
// with the default policy (every 50 steps and the last), each through its own MetricDeliveries as a
// worker does; then the same with the server stopped for 10 s mid-run. Every point the policy logs
// must be there once, nothing dropped, and every trial told its result as soon as it trained.
// A trial here is the worker's logging path with a paced loop instead of the model's arithmetic.

const STEPS = 40_000;
const TRIALS = 4;
const EVALS = [8000, 16_000, 24_000, 32_000];
const TRAIN_KEYS = ['train_mse', 'train_rmse', 'rows_per_sec', 'train_steps_per_sec'];
const policy = new MetricsPolicy();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface TrialOutcome {
  runId: string;
  /** From the end of training to the (simulated) tell: must not wait for delivery. */
  toldAfterMs: number;
  deliveries: MetricDeliveries;
}

/** One trial: 40,000 steps, metrics by the policy, evaluations, final metrics; then told at once. */
async function trial(client: TrackingClient, experimentId: string, n: number, o: { spillDir: string; paceMs: number; maxBuffer: number; progress: number[]; log: string[] }): Promise<TrialOutcome> {
  const run = await client.createRun({ experimentId, runName: `load-${n}` });
  const deliveries = new MetricDeliveries(client, { spillDir: o.spillDir, log: (l) => o.log.push(`[trial ${n}] ${l}`), loggerOptions: { maxBuffer: o.maxBuffer } });
  const logger = deliveries.logger(run.info.run_id, 'metrics:');
  for (let step = 1; step <= STEPS; step++) {
    if (policy.logs(step, STEPS)) {
      logger.log('train_mse', 1 / step, step);
      logger.log('train_rmse', Math.sqrt(1 / step), step);
      logger.log('rows_per_sec', 1e6 + step, step);
      logger.log('train_steps_per_sec', 1000 + (step % 7), step);
      const wait = logger.backpressure();
      if (wait) await wait;
    }
    if (EVALS.includes(step)) logger.log('val_rmse', 2 + 1 / step, step);
    if (step % 10 === 0) {
      o.progress[n] = step;
      await sleep(o.paceMs);
    }
  }
  logger.log('val_rmse', 2, STEPS);
  logger.log('seconds', 12.5, STEPS);
  const trained = performance.now();
  deliveries.release(logger, 'metrics:');
  const toldAfterMs = performance.now() - trained; // the worker tells here, before delivery is done
  return { runId: run.info.run_id, toldAfterMs, deliveries };
}

/** Every point the policy logs is in the run's history, once. */
async function expectAllLogged(client: TrackingClient, runId: string): Promise<void> {
  const expected = policy.loggedSteps(STEPS);
  expect(expected).toHaveLength(STEPS / 50);
  for (const key of TRAIN_KEYS) {
    const steps = (await client.getMetricHistory(runId, key)).map((m) => m.step).sort((a, b) => a - b);
    expect(steps, `${runId} ${key}`).toEqual(expected);
  }
  expect((await client.getMetricHistory(runId, 'val_rmse')).map((m) => m.step).sort((a, b) => a - b)).toEqual([...EVALS, STEPS]);
  expect((await client.getMetricHistory(runId, 'seconds')).map((m) => m.step)).toEqual([STEPS]);
}

describe.runIf(REAL_MLFLOW_MODE === 'missing')('real MLflow load test', () => {
  it('needs the real MLflow server', () => {
    throw new Error(REAL_MLFLOW_MISSING);
  });
});

describe.runIf(REAL_MLFLOW_MODE === 'run')('real MLflow 2.11.3 load test: 4 parallel trials × 40,000 steps, default logging policy', () => {
  let mlflow: RealMlflow;
  let client: TrackingClient;
  let spillRoot: string;
  beforeAll(async () => {
    mlflow = await startRealMlflow();
    client = new TrackingClient(mlflow.url);
    spillRoot = mkdtempSync(join(tmpdir(), 'dojo-load-spill-'));
  }, 600_000);
  afterAll(async () => {
    await mlflow?.close();
    if (spillRoot) rmSync(spillRoot, { recursive: true, force: true });
  }, 180_000);

  it('every point the policy logs arrives once; no trial waits for delivery', async () => {
    const experimentId = await client.createExperiment(`load-${Date.now()}`);
    const spillDir = join(spillRoot, 'steady');
    const log: string[] = [];
    const progress: number[] = [];
    const outcomes = await Promise.all(Array.from({ length: TRIALS }, (_, n) => trial(client, experimentId, n, { spillDir, paceMs: 0, maxBuffer: 100_000, progress, log })));
    for (const o of outcomes) expect(o.toldAfterMs).toBeLessThan(1000);
    for (const o of outcomes) expect(await o.deliveries.drain(240_000)).toMatchObject({ undelivered: 0 });
    for (const o of outcomes) await expectAllLogged(client, o.runId);
    // Nothing ever had to wait on disk.
    expect(existsSync(spillDir) ? readdirSync(spillDir) : []).toEqual([]);
  }, 400_000);

  it('with the server stopped for 10 s mid-run: points wait (memory, then the spill file) and all arrive once; no trial fails or waits', async () => {
    const experimentId = await client.createExperiment(`load-outage-${Date.now()}`);
    const spillDir = join(spillRoot, 'outage');
    const log: string[] = [];
    const progress: number[] = Array.from({ length: TRIALS }, () => 0);
    // A small memory buffer, so the outage also goes through the spill file.
    const running = Promise.all(Array.from({ length: TRIALS }, (_, n) => trial(client, experimentId, n, { spillDir, paceMs: 3, maxBuffer: 200, progress, log })));
    // Wait for events, not time: the outage starts once every trial is a quarter through.
    for (let i = 0; i < 6000 && Math.min(...progress) < STEPS / 4; i++) await sleep(50);
    expect(Math.min(...progress)).toBeGreaterThanOrEqual(STEPS / 4);
    const atStop = Math.min(...progress);
    await mlflow.stop();
    await sleep(10_000);
    const duringOutage = Math.min(...progress) - atStop;
    await mlflow.start();
    const outcomes = await running;
    // Training went on through the outage (nothing waited on the dead server) and nobody waited to be told.
    expect(duringOutage).toBeGreaterThan(0);
    for (const o of outcomes) expect(o.toldAfterMs).toBeLessThan(1000);
    for (const o of outcomes) expect(await o.deliveries.drain(240_000)).toMatchObject({ undelivered: 0 });
    for (const o of outcomes) await expectAllLogged(client, o.runId);
    // Each trial warned once that it fell behind; the spill files are gone once replayed.
    for (let n = 0; n < TRIALS; n++) expect(log.filter((l) => l.startsWith(`[trial ${n}] metrics: tracking server unreachable`))).toHaveLength(1);
    expect(readdirSync(spillDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  }, 600_000);
});
