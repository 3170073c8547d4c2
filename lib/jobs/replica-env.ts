// The environment contract of a command job's replicas (README "Command jobs"): what the trial
// driver gives every replica of the user's command. One definition, written by replicaEnv() and
// read by the user's code (and by the tests, through the same name tables).
import { COMMAND_ENV, GLOB_ENV, GLOB_KEYS, MLFLOW_RUN_ENV, TORCH_ENV, TRACKING_TOKEN_ENV, WORKER_ENV } from './env';

/** The book's names (chapter 12) a replica also gets. */
export const KAEN_REPLICA_ENV = {
  rank: 'KAEN_RANK',
  worldSize: 'KAEN_WORLD_SIZE',
  managerIp: 'KAEN_JOB_MANAGER_IP',
} as const;

/** The book's names of the data globs, given beside the dojo ones. */
export const KAEN_GLOB_ENV: Readonly<Record<(typeof GLOB_KEYS)[number], string>> = {
  [GLOB_ENV.train]: 'KAEN_OSDS_TRAIN_GLOB',
  [GLOB_ENV.val]: 'KAEN_OSDS_VAL_GLOB',
  [GLOB_ENV.test]: 'KAEN_OSDS_TEST_GLOB',
};

/** Where one replica runs among the replicas of its trial. */
export interface ReplicaPlace {
  readonly rank: number;
  readonly worldSize: number;
  /** Its rank among the replicas on its own host (the rank locally; 0 on AWS, one task per replica). */
  readonly localRank: number;
  readonly localWorldSize: number;
  /** Rank 0's address as the other replicas reach it. */
  readonly masterAddr: string;
  /** A port free on rank 0's host. */
  readonly masterPort: number;
}

/** What the driver knows of a trial when it starts its replicas. */
export interface ReplicaTrial {
  readonly jobId: string;
  readonly studyId: string;
  readonly number: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metric: string;
  readonly resultFile: string;
  /** The tracking server as the replicas reach it, the trial's experiment and child run. */
  readonly trackingUri: string;
  readonly experimentId: string;
  readonly runId: string;
  /** The bearer token of the dojo's own tracking server (an external one takes the user's MLflow variables). */
  readonly trackingToken?: string;
}

/**
 * The environment of one replica: the user's -e environment (data globs also under the book's
 * names) with the contract over it.
 */
export function replicaEnv(user: Readonly<Record<string, string>>, t: ReplicaTrial, p: ReplicaPlace): Record<string, string> {
  const globs: Record<string, string> = {};
  for (const key of GLOB_KEYS) if (user[key]) globs[KAEN_GLOB_ENV[key]] = user[key]!;
  return {
    ...user,
    ...globs,
    [COMMAND_ENV.params]: JSON.stringify(t.params),
    [COMMAND_ENV.number]: String(t.number),
    [COMMAND_ENV.resultFile]: t.resultFile,
    [WORKER_ENV.study]: t.studyId,
    [WORKER_ENV.jobId]: t.jobId,
    [WORKER_ENV.metric]: t.metric,
    [MLFLOW_RUN_ENV.trackingUri]: t.trackingUri,
    [MLFLOW_RUN_ENV.experimentId]: t.experimentId,
    [MLFLOW_RUN_ENV.runId]: t.runId,
    ...(t.trackingToken ? { [TRACKING_TOKEN_ENV]: t.trackingToken } : {}),
    [TORCH_ENV.rank]: String(p.rank),
    [TORCH_ENV.worldSize]: String(p.worldSize),
    [TORCH_ENV.localRank]: String(p.localRank),
    [TORCH_ENV.localWorldSize]: String(p.localWorldSize),
    [TORCH_ENV.masterAddr]: p.masterAddr,
    [TORCH_ENV.masterPort]: String(p.masterPort),
    [KAEN_REPLICA_ENV.rank]: String(p.rank),
    [KAEN_REPLICA_ENV.worldSize]: String(p.worldSize),
    [KAEN_REPLICA_ENV.managerIp]: p.masterAddr,
  };
}

/** What a command job runs: recorded by `job create`, read by the trial driver. */
export interface CommandJob {
  /** The shell command line each replica runs (`sh -c`); with a project, the entry point's template. */
  readonly command: string;
  /** Where it runs (local: an absolute folder). */
  readonly workdir: string;
  /** An MLflow Project's entry point: its `{param}` placeholders are filled from each trial's params. */
  readonly project?: ProjectEntry;
}

/** The parameter types of an MLflow Project entry point. */
export const PROJECT_PARAM_TYPES = ['string', 'float', 'path', 'uri'] as const;

/** An MLflow Project entry point as `job create --project` read it. */
export interface ProjectEntry {
  readonly dir: string;
  readonly entryPoint: string;
  /** Declared parameters: type and default (absent: required). */
  readonly parameters: Readonly<Record<string, { readonly type: (typeof PROJECT_PARAM_TYPES)[number]; readonly default?: string }>>;
}
