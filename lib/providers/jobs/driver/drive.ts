// The trial driver of a command job (`dojo job drive`): for one trial group, ask the HPO service
// for a trial, make sure its MLflow child run exists (the HPO service creates it with the params
// when it tracks the study), run the trial's replicas through the provider's launcher, and go on
// until the study has no trial left. The study always goes on: a trial's failure is the trial's.
import type { TellState } from '../../../hpo/api';
import { AskAhead, type HpoClient } from '../../../hpo/client';
import type { TrackingClient } from '../../../tracking/client';
import type { ReplicaLauncher } from './launcher';
import type { DriveSettings } from './settings';
import { runCommandTrial, type CommandTrialOutcome } from './trial';

/** What a driver did. */
export interface DriveSummary {
  readonly trials: number;
  readonly complete: number;
  readonly pruned: number;
  readonly failed: number;
}

/** A driver's services and hooks. */
export interface DriveContext {
  readonly settings: DriveSettings;
  /** tellAndAsk (optional) makes a trial's tell bring back the next trial in the same round trip. */
  readonly hpo: Pick<HpoClient, 'ask' | 'report' | 'tell' | 'heartbeat' | 'getStudy'> & Partial<Pick<HpoClient, 'tellAndAsk'>>;
  readonly tracking: TrackingClient;
  readonly launcher: ReplicaLauncher;
  /** The replicas' environment before the contract. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** The tracking server as the replicas reach it. @default settings.trackingUri */
  readonly replicaTrackingUri?: string;
  readonly log: (line: string) => void;
  /** Records the trial the driver runs (null between trials), so a dead driver's trial is failed. */
  readonly onTrial?: (trial: number | null, runId?: string) => void;
  /** Aborted by SIGTERM: the running trial is failed and no new one is asked for. */
  readonly signal?: AbortSignal;
  /** @default 250 */
  readonly pollMs?: number;
  /** @default 30000 */
  readonly heartbeatMs?: number;
}

/** Runs trials until the study has none left or the driver is stopped. */
export async function driveTrials(c: DriveContext): Promise<DriveSummary> {
  const s = c.settings;
  const counts = { trials: 0, complete: 0, pruned: 0, failed: 0 };
  const ahead = new AskAhead(c.hpo, s.studyId, () => !c.signal?.aborted);
  const hpo = { report: c.hpo.report.bind(c.hpo), heartbeat: c.hpo.heartbeat.bind(c.hpo), tell: (_id: string | number, n: number, state: TellState, v?: number) => ahead.tell(n, state, v) };
  try {
    await driveWith(c, ahead, hpo, counts);
  } finally {
    // Stopped with a trial that came with the last tell: failed now rather than at its heartbeat timeout.
    await ahead.release().catch((e: unknown) => c.log(`could not fail the trial handed out with the last tell: ${(e as Error).message}`));
  }
  return counts;
}

async function driveWith(c: DriveContext, ahead: AskAhead, hpo: Pick<HpoClient, 'report' | 'tell' | 'heartbeat'>, counts: { trials: number; complete: number; pruned: number; failed: number }): Promise<void> {
  const s = c.settings;
  while (!c.signal?.aborted) {
    const asked = await ahead.ask();
    if (!asked) break;
    c.onTrial?.(asked.number, asked.runId);
    let outcome: CommandTrialOutcome;
    try {
      const { runId, experimentId } = await trialRun(c, asked.number, asked.params, asked.runId);
      c.onTrial?.(asked.number, runId);
      outcome = await runCommandTrial({
        hpo,
        tracking: c.tracking,
        launcher: c.launcher,
        job: s.job,
        replicas: s.replicas,
        baseEnv: c.baseEnv,
        trial: {
          jobId: s.jobId,
          studyId: s.studyId,
          number: asked.number,
          params: asked.params,
          metric: s.metric,
          trackingUri: c.replicaTrackingUri ?? s.trackingUri,
          experimentId,
          runId,
          ...(s.trackingToken ? { trackingToken: s.trackingToken } : {}),
        },
        pollMs: c.pollMs ?? 250,
        graceMs: s.graceMs,
        heartbeatMs: c.heartbeatMs ?? 30_000,
        log: c.log,
        ...(c.signal ? { signal: c.signal } : {}),
      });
    } catch (e) {
      // The tracking server or the HPO service failed the driver mid-trial: the trial fails, the study goes on.
      const reason = (e as Error).message;
      c.log(`[trial ${asked.number}] failed: ${reason}`);
      await ahead.tell(asked.number, 'fail').catch((err: unknown) => c.log(`[trial ${asked.number}] could not tell fail: ${(err as Error).message}`));
      outcome = { state: 'failed', reason };
    }
    // A trial handed out with this one's tell is the driver's (running) already: the status names it, so a killed driver's is failed.
    const next = ahead.next;
    c.onTrial?.(next ? next.number : null, next?.runId);
    counts.trials++;
    counts[outcome.state]++;
  }
}

// The trial's child run and its experiment: the HPO service's when it made one, else made here
// (an HPO service without tracking) under the study's parent run with the params logged.
async function trialRun(c: DriveContext, number: number, params: Readonly<Record<string, unknown>>, runId: string | undefined): Promise<{ runId: string; experimentId: string }> {
  if (runId) return { runId, experimentId: (await c.tracking.getRun(runId)).info.experiment_id };
  const s = c.settings;
  const experimentId = await c.tracking.getOrCreateExperiment(s.jobId);
  const study = await c.hpo.getStudy(s.studyId);
  const run = await c.tracking.createRun({
    experimentId,
    runName: `${s.jobId}-trial-${number}`,
    ...(study.parentRunId ? { parentRunId: study.parentRunId } : {}),
    tags: { 'dojo.trial_number': String(number) },
  });
  const list = Object.entries(params).map(([key, v]) => ({ key, value: String(v) }));
  if (list.length > 0) await c.tracking.logBatch(run.info.run_id, { params: list });
  return { runId: run.info.run_id, experimentId };
}
