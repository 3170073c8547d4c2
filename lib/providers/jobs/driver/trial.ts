// One trial of a command job, as the driver runs it: start the replicas, watch what they report
// (the metric in the trial's run, the result file), report each new step to the pruner and stop
// every replica when the trial is pruned, and end the trial with the command: complete with its
// value, or failed with the reason (exit code and stderr tail in the run: a tag and an artifact).
import type { HpoClient } from '../../../hpo/client';
import type { TrackingClient } from '../../../tracking/client';
import { replicaEnv, type CommandJob, type ReplicaTrial } from '../../../jobs/replica-env';
import { fillCommand } from '../../../jobs/project';
import type { ReplicaExit, ReplicaLauncher, RunningTrial } from './launcher';
import { TrialValues } from './values';

/** Tags the driver sets on a trial's run. */
export const TRIAL_TAGS = {
  failureReason: 'dojo.failure_reason',
  stderrTail: 'dojo.stderr_tail',
  prunedAtStep: 'dojo.pruned_at_step',
  replicas: 'dojo.replicas',
} as const;

/** How many stderr lines of each replica the driver keeps for a failed trial. */
export const STDERR_TAIL_LINES = 40;

/** What a trial needs from its driver. */
export interface CommandTrialContext {
  readonly hpo: Pick<HpoClient, 'report' | 'tell' | 'heartbeat'>;
  readonly tracking: TrackingClient;
  readonly launcher: ReplicaLauncher;
  readonly job: CommandJob;
  readonly replicas: number;
  /** The replicas' environment before the contract (the user's -e variables and what the provider passes on). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** The trial as the replicas learn it. */
  readonly trial: Omit<ReplicaTrial, 'resultFile'>;
  /** Ms between two looks at the run's metric history and the result file. */
  readonly pollMs: number;
  /** Ms between SIGTERM and SIGKILL when the replicas are stopped. */
  readonly graceMs: number;
  /** Ms between heartbeats to the HPO service (a trial may report nothing for long). */
  readonly heartbeatMs: number;
  /** The driver's log (one line each, tagged with the trial by the caller). */
  readonly log: (line: string) => void;
  /** Aborted when the driver is told to stop (`job stop`): the trial is failed with the reason. */
  readonly signal?: AbortSignal;
}

/** How a trial ended, and why when it did not complete. */
export interface CommandTrialOutcome {
  readonly state: 'complete' | 'pruned' | 'failed';
  readonly value?: number;
  readonly reason?: string;
}

/** Runs one trial to its end; tells the HPO service how it ended. Never throws for the command's own failures. */
export async function runCommandTrial(c: CommandTrialContext): Promise<CommandTrialOutcome> {
  const { trial } = c;
  const tails = Array.from({ length: c.replicas }, () => [] as string[]);
  const resultFile = c.launcher.resultFile(trial.number);
  let command: string;
  try {
    command = fillCommand(c.job, trial.params);
  } catch (e) {
    return finish(c, { state: 'failed', reason: (e as Error).message }, tails);
  }
  let running: RunningTrial;
  try {
    running = await c.launcher.launch({
      trial: trial.number,
      replicas: c.replicas,
      command,
      workdir: c.job.workdir,
      envFor: (place) => replicaEnv(c.baseEnv, { ...trial, resultFile }, place),
      onLine: (rank, stream, line) => {
        c.log(`[trial ${trial.number}] [rank ${rank}${stream === 'stderr' ? ' stderr' : ''}] ${line}`);
        if (stream !== 'stdout') {
          const t = tails[rank]!;
          t.push(line);
          if (t.length > STDERR_TAIL_LINES) t.shift();
        }
      },
    });
  } catch (e) {
    return finish(c, { state: 'failed', reason: `could not start the command: ${(e as Error).message}` }, tails);
  }
  c.log(`[trial ${trial.number}] started ${c.replicas} replica(s) (${running.ids.join(', ')}): ${command}`);
  void c.tracking.setTag(trial.runId, TRIAL_TAGS.replicas, running.ids.join(',')).catch(() => undefined);
  const beat = setInterval(() => void c.hpo.heartbeat(trial.studyId, trial.number).catch(() => undefined), c.heartbeatMs);
  beat.unref();
  try {
    return await finish(c, await watch(c, running, resultFile), tails);
  } finally {
    clearInterval(beat);
  }
}

// Watches the running replicas until the trial's outcome is known; every replica has ended when it returns.
async function watch(c: CommandTrialContext, running: RunningTrial, resultFile: string): Promise<CommandTrialOutcome> {
  const { trial } = c;
  const values = new TrialValues();
  const exits: (ReplicaExit | undefined)[] = running.exits.map(() => undefined);
  let wake: () => void = () => undefined;
  running.exits.forEach((p, i) =>
    void p.then((x) => {
      exits[i] = x;
      wake();
    }),
  );
  const onAbort = () => wake();
  c.signal?.addEventListener('abort', onAbort);
  let reported = -Infinity;
  try {
    for (;;) {
      const done = exits.every((x) => x !== undefined);
      await look(c, running, values, resultFile, done);
      for (const s of values.stepsAfter(reported)) {
        reported = s.step;
        const r = await c.hpo.report(trial.studyId, trial.number, s.step, s.value);
        if (r.prune && !done) {
          c.log(`[trial ${trial.number}] pruned at step ${s.step} (${trial.metric} ${s.value}); stopping its replicas`);
          await running.stop(c.graceMs);
          void c.tracking.setTag(trial.runId, TRIAL_TAGS.prunedAtStep, String(s.step)).catch(() => undefined);
          return { state: 'pruned', value: s.value, reason: `pruned at step ${s.step}` };
        }
      }
      const failed = exits.find((x) => x !== undefined && x.code !== 0);
      if (failed) {
        await running.stop(c.graceMs);
        return { state: 'failed', reason: exitReason(failed) };
      }
      if (c.signal?.aborted) {
        await running.stop(c.graceMs);
        return { state: 'failed', reason: `stopped: ${String(c.signal.reason instanceof Error ? c.signal.reason.message : c.signal.reason ?? 'the driver was stopped')}` };
      }
      if (done) {
        // Everything the replicas wrote before they exited is in now (the look above came after the last exit).
        const value = values.final();
        const incomplete = running.resultsIncomplete?.();
        if (value === undefined) {
          const why = `the command exited 0 but reported no ${trial.metric}: log it to the run $MLFLOW_RUN_ID or append {"value": x} to $DOJO_RESULT_FILE`;
          return { state: 'failed', reason: incomplete ? `${why}; ${incomplete}` : why };
        }
        if (incomplete) c.log(`[trial ${trial.number}] ${incomplete}`);
        if (!Number.isFinite(value)) return { state: 'failed', reason: `the command reported ${trial.metric} = ${value}, not a finite number` };
        return { state: 'complete', value };
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, c.pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } catch (e) {
    await running.stop(c.graceMs);
    return { state: 'failed', reason: `the driver lost the trial: ${(e as Error).message}` };
  } finally {
    c.signal?.removeEventListener('abort', onAbort);
  }
}

// One look at what the trial reported: the result file's new lines (logged to the run as the metric
// too, so the run shows them) and the metric's history in the run.
async function look(c: CommandTrialContext, running: RunningTrial, values: TrialValues, resultFile: string, done: boolean): Promise<void> {
  const { trial } = c;
  const { added, warnings } = values.addResultText(await running.readResults(done), resultFile);
  for (const w of warnings) c.log(`[trial ${trial.number}] ${w}`);
  if (added.length > 0) {
    const now = Date.now();
    await c.tracking.logBatch(trial.runId, { metrics: added.map((s) => ({ key: trial.metric, value: s.value, step: s.step, timestamp: now })) });
  }
  values.addHistory(await c.tracking.getMetricHistory(trial.runId, trial.metric));
}

/** The reason a replica's exit fails its trial. */
export function exitReason(x: ReplicaExit): string {
  if (x.lost) return `replica rank ${x.rank} was lost: ${x.lost}`;
  if (x.code === null) return `replica rank ${x.rank} was killed by ${x.signal ?? 'a signal'}`;
  return `replica rank ${x.rank} exited with code ${x.code}`;
}

// Records the outcome in the run (failure reason, stderr tails) and tells the HPO service.
async function finish(c: CommandTrialContext, o: CommandTrialOutcome, tails: readonly string[][]): Promise<CommandTrialOutcome> {
  const { trial } = c;
  if (o.state === 'failed') {
    const lastLines = tails.flatMap((t, rank) => t.slice(-5).map((l) => `[rank ${rank}] ${l}`)).slice(-10);
    const reason = lastLines.length > 0 ? `${o.reason}; stderr ends:\n${lastLines.join('\n')}` : o.reason!;
    c.log(`[trial ${trial.number}] failed: ${reason}`);
    await recordFailure(c, o.reason!, reason, tails).catch((e: unknown) => c.log(`[trial ${trial.number}] could not record the failure in run ${trial.runId}: ${(e as Error).message}`));
  } else {
    c.log(`[trial ${trial.number}] ${o.state}: ${trial.metric} ${o.value}`);
  }
  await c.hpo.tell(trial.studyId, trial.number, o.state === 'failed' ? 'fail' : o.state, o.state === 'failed' ? undefined : o.value);
  return o;
}

async function recordFailure(c: CommandTrialContext, reason: string, withTail: string, tails: readonly string[][]): Promise<void> {
  const { trial, tracking } = c;
  // MLflow truncates tags at 5000 characters; the whole tail goes to the artifact.
  await tracking.logBatch(trial.runId, {
    tags: [
      { key: TRIAL_TAGS.failureReason, value: reason.slice(0, 4900) },
      { key: TRIAL_TAGS.stderrTail, value: withTail.slice(-4900) },
    ],
  });
  const run = await tracking.getRun(trial.runId);
  for (let rank = 0; rank < tails.length; rank++) {
    if (tails[rank]!.length > 0) await tracking.uploadArtifact(run, `dojo/rank-${rank}.stderr.txt`, `${tails[rank]!.join('\n')}\n`);
  }
  await tracking.updateRun(trial.runId, { status: 'FAILED', endTime: Date.now() });
}
