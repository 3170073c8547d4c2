// Where the local provider keeps each dojo's files (all under $DOJO_HOME/<dojo-id>/).
import { join } from 'node:path';

/** The files and folders of one local dojo. */
export interface DojoLayout {
  readonly dir: string;
  readonly config: string;
  /** Written by the manager once its services listen: pid, ports, URIs. */
  readonly managerInfo: string;
  /** Written by `activate` when it spawns the manager. */
  readonly managerPid: string;
  /** Ports of the last manager, reused on restart so running workers reconnect. */
  readonly ports: string;
  readonly trackingStore: string;
  readonly hpoDb: string;
  readonly logs: string;
  readonly pids: string;
  readonly jobs: string;
  readonly data: string;
  /** The dojo's bearer token for its servers (mode 0600; see state.ts). */
  readonly token: string;
}

/** The layout of the dojo in dir. */
export function layout(dir: string): DojoLayout {
  return {
    dir,
    config: join(dir, 'config.json'),
    managerInfo: join(dir, 'manager.json'),
    managerPid: join(dir, 'pids', 'manager.json'),
    ports: join(dir, 'ports.json'),
    trackingStore: join(dir, 'tracking'),
    hpoDb: join(dir, 'hpo.db'),
    logs: join(dir, 'logs'),
    pids: join(dir, 'pids'),
    jobs: join(dir, 'jobs'),
    data: join(dir, 'data'),
    token: join(dir, 'token'),
  };
}

/** The pid file of a job's workers. */
export function workerPidsFile(l: DojoLayout, jobId: string): string {
  return join(l.pids, `${jobId}.json`);
}

/** The status file a worker keeps (its current trial), so a dead worker's trial can be failed. */
export function workerStatusFile(l: DojoLayout, jobId: string, group: number, replica: number): string {
  return join(l.pids, `${jobId}.g${group}.r${replica}.status.json`);
}

/** The folder of a command job's result files (DOJO_RESULT_FILE of each trial). */
export function resultsDir(l: DojoLayout, jobId: string): string {
  return join(l.dir, 'results', jobId);
}

/** The log file of one worker. */
export function workerLogFile(l: DojoLayout, jobId: string, group: number, replica: number): string {
  return join(l.logs, `${jobId}.g${group}.r${replica}.log`);
}

/** What the manager writes when it is ready. */
export interface ManagerInfo {
  readonly pid: number;
  readonly trackingUri: string;
  readonly hpoUri: string;
  readonly trackingPort: number;
  readonly hpoPort: number;
  readonly startedAt: string;
  /** The tracking server is an existing MLflow (dojo init --tracking-uri), not the dojo's own: it gets the user's MLflow credentials, never the dojo's token. */
  readonly trackingExternal?: boolean;
  /** The dojo's token, read from its file when the info is loaded; never written to manager.json. */
  readonly token?: string;
}

/** A worker process of a job. */
export interface WorkerProc {
  readonly pid: number;
  readonly marker: string;
  readonly startedAt: string;
  readonly group: number;
  readonly replica: number;
  readonly log: string;
  readonly statusFile: string;
}

/** What a worker writes about itself (local provider only). */
export interface WorkerStatus {
  readonly pid: number;
  /** The trial it is running, or null between trials. */
  readonly trial: number | null;
  readonly runId?: string;
  readonly updatedAt: string;
  /** A command job's driver: the process groups of its trial's replicas, and the environment entry that proves them ours. */
  readonly replicaGroups?: readonly number[];
  readonly replicaMarker?: string;
}
