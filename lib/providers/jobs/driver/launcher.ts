// How the trial driver starts a trial's replicas of the user's command, per provider: locally
// detached process groups on this machine (../../local/replicas.ts); on AWS one ECS task per
// replica, rank 0 first and the others once its address is known (../../aws/replicas.ts). The
// driver itself (trial.ts) knows nothing of processes or tasks.
import type { ReplicaPlace } from '../../../jobs/replica-env';

/** How one replica ended. */
export interface ReplicaExit {
  readonly rank: number;
  /** The exit code; null when a signal ended it or it was lost. */
  readonly code: number | null;
  /** The signal that ended it (local), if any. */
  readonly signal?: string;
  /** Why the replica is gone without an exit code of its own (AWS: the task's stopped reason). */
  readonly lost?: string;
}

/** Which output of a replica a line came from; `output` where the two are merged (kept in the failure tail). */
export type ReplicaStream = 'stdout' | 'stderr' | 'output';

/** One trial's replicas to start. */
export interface TrialLaunch {
  readonly trial: number;
  readonly replicas: number;
  /** The shell command line every replica runs. */
  readonly command: string;
  /** Where it runs. */
  readonly workdir: string;
  /** The environment of the replica at a place; the launcher decides the places (it knows where rank 0 is). */
  envFor(place: ReplicaPlace): Record<string, string>;
  /** Each whole line a replica writes, as it comes (`output`: stdout and stderr merged, as an awslogs stream has them). */
  onLine(rank: number, stream: ReplicaStream, line: string): void;
}

/** A trial's replicas once started. */
export interface RunningTrial {
  /** What identifies each replica where it runs, rank order (local: its process group id). */
  readonly ids: readonly string[];
  /** Settles for each replica (rank order) when it has ended. */
  readonly exits: readonly Promise<ReplicaExit>[];
  /**
   * Ends every replica still running and everything it started: SIGTERM (AWS: StopTask), SIGKILL
   * after graceMs; resolves when nothing of the trial runs any more.
   */
  stop(graceMs: number): Promise<void>;
  /**
   * The whole lines the replicas appended to the trial's result file since the last call; with
   * `all` (every replica has ended) also a last line without its line break.
   */
  readResults(all?: boolean): Promise<string>;
  /**
   * After `readResults(true)`: why some replica's result lines may be missing (AWS: a follower's
   * stream without its end marker), for the trial's reason; undefined when they are all in.
   */
  resultsIncomplete?(): string | undefined;
}

/** Starts trials' replicas where a provider runs them. */
export interface ReplicaLauncher {
  /** The result file (DOJO_RESULT_FILE) of a trial, as the replicas see it. */
  resultFile(trial: number): string;
  /** Starts the trial's replicas (all of them, or none: a failure midway stops those started). */
  launch(t: TrialLaunch): Promise<RunningTrial>;
}
