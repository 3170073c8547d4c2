// The one interface every place a dojo can run implements (local processes, AWS). Results are
// plain data; the CLI formats them with pure functions. What only some providers can do is an
// optional capability of the interface (ui, putData, serveManager): a command asks the provider
// for it instead of looking at the provider's class.
import type { JobKind } from '../jobs/kinds';
import type { CommandJob } from '../jobs/replica-env';
import type { DriveSummary } from './jobs/driver/drive';

/** Where a dojo runs. */
export type ProviderName = 'local' | 'aws';

/** Lifecycle state of a dojo as its provider sees it now. */
export type DojoStatus = 'inactive' | 'activating' | 'active' | 'degraded' | 'deactivating';

/** What `dojo init` records: the dojo's settings, never changed afterwards. */
export interface DojoConfig {
  readonly id: string;
  readonly provider: ProviderName;
  /** ISO time of `dojo init`. */
  readonly createdAt: string;
  /** EC2 instance type of the manager (AWS; recorded as the default by the local provider, which ignores it). */
  readonly managerInstanceType: string;
  /** EC2 instance type of the workers (AWS; likewise). */
  readonly workerInstanceType: string;
  /** Upper bound of workers (ECS tasks or local worker processes) running at once. */
  readonly maxWorkers: number;
  /** Use spot capacity for workers (AWS only). */
  readonly spot: boolean;
  /** AWS region (AWS only). */
  readonly region?: string;
  /**
   * An existing MLflow tracking server the dojo uses instead of its own (`dojo init --tracking-uri`):
   * no embedded server is started locally, no tracking service deployed on AWS.
   */
  readonly trackingUri?: string;
  /** AWS only: the MLflow auth variables `dojo init` stored as secrets for that server (names only). */
  readonly trackingSecrets?: readonly string[];
}

/** Which tracking server a dojo uses: its embedded one (local), its own MLflow (AWS), or an existing one. */
export type TrackingServerKind = 'embedded' | 'mlflow' | 'external';

/** The tracking server kind of a dojo's config. */
export function trackingServerKind(cfg: Pick<DojoConfig, 'provider' | 'trackingUri'>): TrackingServerKind {
  return cfg.trackingUri ? 'external' : cfg.provider === 'local' ? 'embedded' : 'mlflow';
}

/** Options of `dojo init` (defaults: INIT_DEFAULTS in defaults.ts). */
export interface InitOptions {
  /** AWS only. @default INIT_DEFAULTS.managerInstanceType */
  readonly managerInstanceType?: string;
  /** AWS only. @default INIT_DEFAULTS.workerInstanceType */
  readonly workerInstanceType?: string;
  /** @default INIT_DEFAULTS.maxWorkers */
  readonly maxWorkers?: number;
  /** AWS only. @default INIT_DEFAULTS.spot */
  readonly spot?: boolean;
  /** AWS only. @default - the SDK's default region */
  readonly region?: string;
  /** @default - the dojo runs its own tracking server */
  readonly trackingUri?: string;
}

/** How an error about an init option names it (the CLI passes its flag names: `--max-workers`). */
export type NameInitOption = (key: keyof InitOptions) => string;

/** A dojo as `dojo inspect` shows it (the KEY=VALUE lines). */
export interface DojoInfo {
  readonly id: string;
  readonly provider: ProviderName;
  readonly status: DojoStatus;
  /** Address of the manager (127.0.0.1 locally), absent while inactive. */
  readonly managerIp?: string;
  readonly trackingUri?: string;
  /** Which tracking server that is (DOJO_TRACKING_SERVER). */
  readonly trackingServer?: TrackingServerKind;
  readonly hpoUri?: string;
  /** Worker processes or tasks running now. */
  readonly workers: number;
  /** What the dojo costs per hour right now, in USD (0 locally). */
  readonly costPerHour: number;
  /** ISO time of the last activation, absent while inactive. */
  readonly activatedAt?: string;
  readonly createdAt: string;
  /** Things the provider noticed that the user should know (e.g. a stale manager pid). */
  readonly warnings: readonly string[];
  /** Provider-specific extra lines (e.g. DOJO_BUCKET on AWS), already KEY-named. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** One line of `dojo ls --long`. */
export interface DojoSummary {
  readonly id: string;
  readonly provider: ProviderName;
  readonly status: DojoStatus;
  readonly createdAt: string;
  readonly costPerHour: number;
}

/** What `dojo rm` leaves behind: nothing, or the list of what could not be removed. */
export interface RemoveResult {
  readonly id: string;
  /** Human-readable descriptions of resources (processes, files, AWS resources) still present. */
  readonly remaining: readonly string[];
}

/** Options of `dojo rm`. */
export interface RemoveOptions {
  /** Keep the dojo's data (AWS: the bucket and the manager's data volume). @default false */
  readonly keepData?: boolean;
}

/** HPO settings of a job (`dojo hpo enable`). */
export interface HpoSettings {
  /** The search space, already validated (flat format of DESIGN.md). */
  readonly space: Record<string, unknown>;
  /** The file the space came from, for messages. */
  readonly spaceFile: string;
  readonly numRuns: number;
  /** Trials run at the same time (worker groups). @default 1 */
  readonly parallel: number;
  /** @default 'auto' */
  readonly sampler: 'auto' | 'gp' | 'tpe' | 'random' | 'grid';
  /** @default 'median' */
  readonly pruner: 'none' | 'median' | 'asha';
  readonly seed?: number;
  /** The metric a trial reports and the study optimises (the job kind's default metric when not given). */
  readonly metric: string;
  /** @default 'minimize' */
  readonly direction: 'minimize' | 'maximize';
  /** Parameter sets handed out as the first trials (`--enqueue FILE`), already checked against the space. @default - none */
  readonly enqueue?: readonly Readonly<Record<string, string | number | boolean>>[];
  /** An earlier study (its name: the job id) whose complete trials seed this one (`--from-study`). @default - none */
  readonly fromStudy?: string;
}

/** Lifecycle of a job. */
/**
 * A job's state; `starting` while `job start` launches its workers (running only once they all
 * exist); `suspended` while its dojo is deactivated (`activate` starts its workers again).
 */
export type JobStatus = 'created' | 'starting' | 'running' | 'suspended' | 'completed' | 'failed' | 'stopped';

/** A job as recorded: what to run and how it was started. */
export interface JobRecord {
  readonly id: string;
  readonly dojoId: string;
  /** What the job runs. @default 'builtin' (records written before job kinds) */
  readonly kind?: JobKind;
  /** What a command job runs (kind `command` only). */
  readonly command?: CommandJob;
  /** Container image (AWS) or '-' for the bundled runtime (local). */
  readonly image: string;
  readonly createdAt: string;
  readonly status: JobStatus;
  readonly hpo?: HpoSettings;
  /** Set by `job start`. */
  readonly run?: JobRun;
}

/** What `job create` records: the image (AWS) and, for a command job, its command. */
export interface CreateJobOptions {
  /** @default - the bundled runtime image */
  readonly image?: string;
  /** @default - a built-in job (the bundled fare model) */
  readonly command?: CommandJob;
}

/** How a job was started. */
export interface JobRun {
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly replicas: number;
  /** Worker groups = trials at the same time. */
  readonly parallel: number;
  /** The environment given with -e (after alias resolution). */
  readonly env: Readonly<Record<string, string>>;
  /** The HPO study the workers draw trials from. */
  readonly studyId: string;
  /** The study's MLflow parent run, when the HPO service reports it. */
  readonly parentRunId?: string;
}

/** Trial counts and the best trial of a running or finished job. */
export interface JobProgress {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly total: number;
  readonly complete: number;
  readonly running: number;
  readonly pruned: number;
  readonly failed: number;
  readonly best?: { readonly number: number; readonly value: number; readonly params: Readonly<Record<string, unknown>> };
  /** Seconds since `job start`. */
  readonly elapsedSec: number;
  /** Estimated seconds left, when at least one trial has finished. */
  readonly etaSec?: number;
  /** Workers (processes or tasks) still running. */
  readonly workersAlive: number;
  readonly metric: string;
  /** Why the trial counts are unknown (the manager does not answer); the counts are then 0, not measured. */
  readonly countsUnknown?: string;
}

/** A job with its live state (`dojo job inspect`). */
export interface JobInfo extends JobRecord {
  readonly progress?: JobProgress;
  readonly trackingUri?: string;
  /** Why a started job's trial counts are unknown (the manager does not answer). */
  readonly countsUnknown?: string;
}

/** One line of a job's logs. */
export interface LogLine {
  /** Which worker wrote it, e.g. "g0/r1". */
  readonly source: string;
  readonly text: string;
}

/** Options of `dojo job start`. */
export interface StartJobOptions {
  /** Replicas per trial (data-parallel processes). @default 1 */
  readonly replicas: number;
  /** Environment for the workers; must include DOJO_TRAIN_GLOB and DOJO_VAL_GLOB. */
  readonly env: Readonly<Record<string, string>>;
}

/** Options of `dojo job logs`. */
export interface JobLogsOptions {
  readonly follow: boolean;
  readonly trial?: number;
  readonly onLine: (line: LogLine) => void;
  readonly signal?: AbortSignal;
}

/** Options of `dojo job wait`. */
export interface WaitJobOptions {
  readonly onProgress: (p: JobProgress) => void;
  /** @default - the provider's: LOCAL_POLL_MS or AWS_POLL_MS (defaults.ts) */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** Receives one human-readable progress message (to stderr). */
export type ProgressFn = (message: string) => void;

/** How to reach a dojo's tracking UI from this machine (`dojo ui`). */
export interface UiAccess {
  /** What to open in a browser (while the tunnel runs, when there is one). */
  readonly url: string;
  /** What the user should know about url, e.g. that it carries the dojo's token. */
  readonly note?: string;
  /** The foreground process that forwards the UI to url (Ctrl-C ends it); absent when url answers as it is. */
  readonly tunnel?: {
    readonly program: string;
    readonly args: readonly string[];
    /** The tunnel as one shell command line, for the user to copy. */
    readonly commandLine: string;
    /** A tool the tunnel needs that is not installed here, in words (then run commandLine where it is). */
    readonly missingTool?: string;
  };
}

/** Options of `dojo ui`. */
export interface UiOptions {
  /** @default - the UI's port on the manager */
  readonly localPort?: number;
}

/** What `dojo data put` uploaded. */
export interface UploadResult {
  readonly bucket: string;
  /** Key prefix, e.g. `data/taxi/`. */
  readonly prefix: string;
  readonly files: number;
  readonly bytes: number;
  /** One glob per folder that holds files, e.g. `s3://b/data/taxi/train/*.csv`. */
  readonly globs: readonly string[];
}

/** Progress of an upload, in bytes over all files. */
export type UploadProgress = (done: number, total: number, file: string) => void;

/**
 * A place dojos run. Every method takes ids and returns plain data; a missing dojo or job is a
 * DojoError('NOT_FOUND') naming the id.
 */
export interface Provider {
  readonly name: ProviderName;
  /**
   * Refuses init options this provider cannot honour (a USAGE error naming the option with nameOf
   * and the value), before anything is recorded.
   */
  validateInit(options: InitOptions, nameOf: NameInitOption): void;
  /** Records a new dojo (nothing runs yet) and returns its config. */
  init(options: InitOptions): Promise<DojoConfig>;
  /** This provider's dojos, most recent first. */
  list(): Promise<DojoSummary[]>;
  /** Starts the manager and waits until its services answer; a no-op when already active. */
  activate(id: string, progress?: ProgressFn): Promise<DojoInfo>;
  /** Brings compute to zero, keeps data. */
  deactivate(id: string, progress?: ProgressFn): Promise<DojoInfo>;
  inspect(id: string): Promise<DojoInfo>;
  /** Stops everything the dojo started, removes its state, and lists what remains. */
  remove(id: string, progress?: ProgressFn, options?: RemoveOptions): Promise<RemoveResult>;
  createJob(dojoId: string, options: CreateJobOptions): Promise<JobRecord>;
  /** Jobs of one dojo, or of all this provider's dojos; most recent first. */
  listJobs(dojoId?: string): Promise<JobRecord[]>;
  inspectJob(jobId: string): Promise<JobInfo>;
  enableHpo(jobId: string, settings: HpoSettings): Promise<JobRecord>;
  /** Creates the study and starts parallel × replicas workers. */
  startJob(jobId: string, options: StartJobOptions, progress?: ProgressFn): Promise<JobInfo>;
  /** The job's progress now. */
  jobProgress(jobId: string): Promise<JobProgress>;
  /** Polls until the job ends; returns the final progress. */
  waitJob(jobId: string, options: WaitJobOptions): Promise<JobProgress>;
  /** Writes the job's log lines (then follows them until the job ends when asked). */
  jobLogs(jobId: string, options: JobLogsOptions): Promise<void>;
  /** Stops the job's workers; running trials end failed. */
  stopJob(jobId: string, progress?: ProgressFn): Promise<JobInfo>;

  /** Capability: how to open the dojo's tracking UI from this machine (CONFLICT while the manager is down). */
  ui?(id: string, options: UiOptions): Promise<UiAccess>;
  /** Capability: workers read data from the dojo's own storage; uploads a local folder there. */
  putData?(id: string, dir: string, prefix: string | undefined, onProgress: UploadProgress): Promise<UploadResult>;
  /** Capability: the manager is a process of this CLI (`dojo manager serve`); runs it until SIGTERM/SIGINT. */
  serveManager?(dojoDir: string, log: (line: string) => void): Promise<void>;
  /**
   * Capability: a command job's trial driver runs where this CLI runs (`dojo job drive`, started by
   * `job start`); drives one trial group with the settings in env until the study has no trial
   * left or signal aborts.
   */
  driveCommandJob?(dojoDir: string, env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, signal: AbortSignal): Promise<DriveSummary>;
}
