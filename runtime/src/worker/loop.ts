// The worker loop. Each worker group (R replicas) rendezvouses once and then runs trials back to
// back: rank 0 asks the HPO service for a trial and broadcasts it (a negative number means stop) →
// every rank trains its shard on data it keeps in memory across trials → rank 0 tracks, reports
// and tells (see trial.ts). The group's collective is kept while trials end well; after a failure
// (or a lost replica) the replicas meet again at the next rendezvous.
import { AskAhead, HpoClient } from '../../../lib/hpo/client';
import type { TellState } from '../../../lib/hpo/api';
import { TrackingClient } from '../../../lib/tracking/client';
import { MetricDeliveries } from '../../../lib/tracking/metric-deliveries';
import type { Collective } from '../collective/collective';
import { soloCollective } from '../collective/collective';
import { rendezvousViaHpo } from '../collective';
import { WorkerData } from './data';
import type { WorkerSettings } from './env';
import { nextTrial, type GroupTrial } from './next-trial';
import { withPatience } from './patience';
import { writeStatus } from './status';
import { runTrial } from './trial';

/** What a worker did, for its exit line. */
export interface WorkerSummary {
  trials: number;
  complete: number;
  pruned: number;
  failed: number;
  /** Metric points not delivered to tracking by the time the worker ended (kept in spill files); absent when none. */
  metricsUndelivered?: number;
}

/** What a worker gets from its process besides its settings. */
export interface WorkerDeps {
  /** The environment its S3 clients read (AWS_REGION, AWS_ENDPOINT_URL_S3). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs the loop until the study has no trial left (or signal aborts); returns what it did. Metrics
 * go out in the background; at the end the worker waits up to metricsDrainMs for them and counts
 * what is left (kept in spill files, which the next worker replays).
 */
export async function runWorker(s: WorkerSettings, log: (line: string) => void, signal?: AbortSignal, deps: WorkerDeps = {}): Promise<WorkerSummary> {
  const tracking = s.trackingUri ? new TrackingClient(s.trackingUri) : undefined;
  const deliveries = tracking ? new MetricDeliveries(tracking, { spillDir: s.metricsSpillDir, log }) : undefined;
  deliveries?.replay();
  let summary: WorkerSummary | undefined;
  try {
    summary = await runTrials(s, log, tracking, deliveries, signal, deps);
    return summary;
  } finally {
    const totals = await deliveries?.drain(s.metricsDrainMs ?? 120_000);
    if (summary && totals?.undelivered) summary.metricsUndelivered = totals.undelivered;
  }
}

async function runTrials(s: WorkerSettings, log: (line: string) => void, tracking: TrackingClient | undefined, deliveries: MetricDeliveries | undefined, signal: AbortSignal | undefined, deps: WorkerDeps): Promise<WorkerSummary> {
  const hpo = new HpoClient(s.hpoUri);
  const data = new WorkerData(s, deps.env ?? process.env, log);
  const summary: WorkerSummary = { trials: 0, complete: 0, pruned: 0, failed: 0 };
  const patient = <T>(fn: () => Promise<T>) => withPatience(fn, s.patienceMs, () => log('manager not answering; retrying'));
  let failedInARow = 0;
  // Rank 0 tells through tell-and-ask: the next trial comes back with the tell, unless this worker stops after it.
  const ahead = new AskAhead(hpo, s.studyId, (state) => !signal?.aborted && (state !== 'fail' || failedInARow + 1 < s.maxConsecutiveFailures));
  const trialHpo = {
    report: hpo.report.bind(hpo),
    heartbeat: hpo.heartbeat.bind(hpo),
    tell: async (_id: string | number, n: number, state: TellState, v?: number) => {
      await ahead.tell(n, state, v);
      // The next trial is this worker's (running) from now on: a kill before it starts must fail it, not the one just told.
      const next = ahead.next;
      if (next) writeStatus(s.statusFile, next.number, next.runId);
    },
    tellAhead: async (_id: string | number, n: number, state: TellState, v?: number) => ahead.announce(n, state, v),
  };
  let collective: Collective | undefined;
  let rendezvous = 0;
  try {
    while (!signal?.aborted) {
      collective ??= await join(s, rendezvous++, patient);
      let trial: GroupTrial | undefined;
      let askSeconds = 0;
      try {
        trial = await nextTrial(collective, async () => {
          const a0 = performance.now();
          const asked = await patient(() => ahead.ask());
          askSeconds = (performance.now() - a0) / 1000;
          return asked;
        });
      } catch (e) {
        if (s.replicas === 1) throw e;
        // A replica left between trials: meet the others again.
        log(`the group lost a replica (${(e as Error).message}); joining the next rendezvous`);
        await collective.close();
        collective = undefined;
        continue;
      }
      if (!trial) {
        log(`no trial left in study ${s.studyId}; worker done`);
        return summary;
      }
      summary.trials++;
      const number = trial.number;
      const outcome = await runTrial({ s, hpo: trialHpo, tracking, deliveries, data, collective, trial, log: (l) => log(`[trial ${number}] ${l}`), patient, signal, askSeconds, held: () => ahead.next });
      summary[outcome]++;
      failedInARow = outcome === 'failed' ? failedInARow + 1 : 0;
      if (outcome === 'failed' && s.replicas > 1) {
        // The collective may be mid-operation on another replica: start from a fresh one.
        await collective.close();
        collective = undefined;
      }
      if (failedInARow >= s.maxConsecutiveFailures) {
        // Every rank counts the same outcomes, so the whole group stops together.
        log(`${failedInARow} trials failed in a row; this worker stops (see the failures above; DOJO_MAX_CONSECUTIVE_FAILURES raises the limit)`);
        return summary;
      }
    }
    return summary;
  } finally {
    // A trial that came with the last tell and will not run: failed now rather than at its heartbeat timeout.
    await ahead.release().catch((e: unknown) => log(`could not fail the trial handed out with the last tell: ${(e as Error).message}`));
    await collective?.close();
    log(data.summary());
  }
}

/** The group's collective: rendezvous number `n` of this job and group (the solo collective for one replica). */
async function join(s: WorkerSettings, n: number, patient: <T>(fn: () => Promise<T>) => Promise<T>): Promise<Collective> {
  if (s.replicas === 1) return soloCollective;
  const key = `${s.jobId}/${s.group}/${n}`;
  return patient(() => rendezvousViaHpo(s.hpoUri, key, s.replicas, { rendezvousTimeoutMs: s.rendezvousTimeoutMs, timeoutMs: s.lostTimeoutMs, trialLabel: key }));
}
