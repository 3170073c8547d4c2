import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { startTrackingServer, TrackingClient, type Metric, type TrackingServerHandle } from '../../lib/tracking';

// A tracking server linked to an HPO service (as the local manager runs them) with studies whose
// trials log curves, report to the pruner and end in every state, for the web UI's browser tests.

/** Where the UI tests' screenshots go (gitignored). */
export const SHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'tracking-ui');

/** The study's space: a log float, an int, two categoricals. */
export const SPACE = {
  lr: { type: 'float', low: 1e-4, high: 0.1, log: true },
  layers: { type: 'int', low: 1, high: 3 },
  batch_size: { type: 'categorical', choices: [256, 512, 1024] },
  optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] },
} as const;

/** The pruner's steps: a trial reports val_rmse at these and logs train_rmse at every step up to 100. */
export const REPORT_STEPS = [20, 40, 60, 80, 100];

/** What one finished trial was made to do. */
export interface TrialPlan {
  readonly number: number;
  readonly runId: string;
  readonly state: 'complete' | 'pruned' | 'failed' | 'running';
  /** The objective told (complete) or last reported (pruned). */
  readonly value?: number;
  readonly params: Record<string, unknown>;
  readonly prunedAt?: number;
}

/** The val_rmse a trial's params lead to (lower is better; SGD and extreme lr are worse). */
export function objectiveOf(p: Record<string, unknown>): number {
  return 2 + Math.abs(Math.log10(p['lr'] as number) + 2.5) + (p['optimizer'] === 'SGD' ? 0.8 : 0) + (p['layers'] as number) * 0.05;
}

/** Runs servers, a browser, and studies made of planned trials. */
export class UiFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'dojo-ui-'));
  tracking!: TrackingServerHandle;
  hpoService!: HpoServiceHandle;
  hpo!: HpoClient;
  client!: TrackingClient;
  browser!: Browser;

  /** `token`: the dojo's bearer token both servers then require (as a local dojo runs them). @default - none */
  constructor(private readonly opts: { readonly token?: string } = {}) {}

  async start(): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    const link: { url?: string } = {};
    const token = this.opts.token;
    // The HPO service's tracking observer is an MLflow client: it reads the token where they do.
    if (token) process.env['MLFLOW_TRACKING_TOKEN'] = token;
    this.tracking = await startTrackingServer({ storeDir: join(this.dir, 'mlflow'), hpoUri: () => link.url, ...(token ? { token } : {}) });
    this.hpoService = await startHpoService({ dbFile: join(this.dir, 'hpo.db'), trackingUri: this.tracking.url, log: () => undefined, ...(token ? { token } : {}) });
    link.url = this.hpoService.url;
    this.hpo = new HpoClient(this.hpoService.url, token ? { token } : {});
    this.client = new TrackingClient(this.tracking.url, token ? { token } : {});
    this.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await this.hpoService?.close();
    await this.tracking?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Creates a study (the HPO service records it in tracking) and returns its parent run id. */
  async createStudy(name: string, maxTrials: number): Promise<string> {
    const info = await this.hpo.createStudy({ name, direction: 'minimize', metric: 'val_rmse', space: SPACE, sampler: { name: 'random', seed: 7 }, pruner: { name: 'none' }, maxTrials });
    return info.parentRunId!;
  }

  /**
   * Asks for a trial and plays it: train_rmse at every step, val_rmse reported to the pruner at
   * REPORT_STEPS; then told `end` (pruned after step `pruneAt`), or left running after `runSteps`.
   */
  async playTrial(study: string, end: TrialPlan['state'], opts: { pruneAt?: number; runSteps?: number; reason?: string } = {}): Promise<TrialPlan> {
    const t = (await this.hpo.ask(study))!;
    const v = objectiveOf(t.params);
    const last = end === 'pruned' ? opts.pruneAt ?? 40 : end === 'running' ? opts.runSteps ?? 30 : end === 'failed' ? 10 : 100;
    const metrics: Metric[] = [];
    let lastValue: number | undefined;
    for (let step = 0; step <= last; step++) {
      metrics.push({ key: 'train_rmse', value: v - 0.3 + 8 / (step + 2), timestamp: 1_700_000_000_000 + t.number * 1000 + step, step });
      if (REPORT_STEPS.includes(step)) {
        lastValue = v + 6 / (step + 2);
        metrics.push({ key: 'val_rmse', value: lastValue, timestamp: 1_700_000_000_000 + t.number * 1000 + step, step });
      }
    }
    await this.client.logBatch(t.runId!, { metrics });
    for (const step of REPORT_STEPS.filter((s) => s <= last)) await this.hpo.report(study, t.number, step, v + 6 / (step + 2));
    if (end === 'complete') await this.hpo.tell(study, t.number, 'complete', v);
    else if (end === 'pruned') await this.hpo.tell(study, t.number, 'pruned', lastValue);
    else if (end === 'failed') {
      await this.client.setTag(t.runId!, 'dojo.failure_reason', opts.reason ?? 'the trial produced no finite val_rmse (got NaN); check the data and the learning rate');
      await this.hpo.tell(study, t.number, 'fail');
    }
    const value = end === 'complete' ? v : end === 'pruned' ? lastValue : undefined;
    return { number: t.number, runId: t.runId!, state: end, params: t.params, ...(value !== undefined ? { value } : {}), ...(end === 'pruned' ? { prunedAt: last } : {}) };
  }

  /** Waits until tracking has caught up with the HPO service (the observer writes after each call). */
  async settled(parentRunId: string, trials: number, finished: boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const parent = await this.client.getRun(parentRunId);
      const kids = await this.client.searchAllRuns({ experimentIds: [parent.info.experiment_id], filter: `tags.\`mlflow.parentRunId\` = '${parentRunId}'` });
      const told = kids.filter((k) => k.data.tags?.some((t) => t.key === 'hpo.state' && t.value !== 'running')).length;
      const reportDone = !finished || (parent.info.status === 'FINISHED' && (await this.client.listArtifacts(parentRunId, 'report')).some((f) => f.path === 'report/index.html'));
      if (kids.length === trials && (finished ? told === trials : true) && reportDone) return;
      if (Date.now() > deadline) throw new Error(`tracking did not catch up: ${kids.length}/${trials} runs, ${told} told`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
