// The half of the Provider interface that is the same on every provider: job records, starting a
// job (study first, then its workers), progress, waiting, stopping. A provider supplies only what is
// its own: how to reach an active dojo's services and start, count and end workers there.
import { DojoError } from '../errors';
import type { HpoClient } from '../hpo/client';
import type {
  DojoConfig, HpoSettings, JobInfo, JobProgress, JobRecord, ProgressFn, ProviderName, StartJobOptions, WaitJobOptions,
} from './provider';
import { listDojoConfigs, listJobRecords, loadJob, saveJob } from './state';
import { isTerminal, progressOf, type StudyView } from './jobs/progress';
import { endedJob, newJobRecord, ownDojoConfig, withHpoSettings } from './jobs/records';
import { jobStudySpec, startableHpo, startedRun, studyCreatedMessage } from './jobs/start';
import { workerLaunches, type WorkerAccess, type WorkerLaunch } from './jobs/workers';

/** The HPO service calls the shared job code makes. */
export type StudyService = Pick<HpoClient, 'createStudy' | 'getStudy'>;

/** A dojo whose manager answers, for the length of one call (on AWS: one SSM tunnel). */
export interface ActiveDojo {
  readonly hpo: StudyService;
  /** How the workers reach the manager's services. */
  readonly workers: WorkerAccess;
  /** The tracking server as `job inspect` shows it. */
  readonly trackingUri?: string;
  /**
   * Starts the workers of a job recorded as running, in order, and calls record with the job after
   * each start (so that a failure midway leaves every started worker findable by `job stop`).
   */
  launch(job: JobRecord, workers: readonly WorkerLaunch[], record: (job: JobRecord) => void, progress: ProgressFn): Promise<void>;
  /** How many of the job's workers run now, after failing the trials of workers that died (where the provider must). */
  aliveWorkers(job: JobRecord): Promise<number>;
}

const EMPTY_STUDY: StudyView = { trials: [] };
const noop: ProgressFn = () => undefined;

/** Waits ms, or less when signal aborts; removes its abort listener either way (polls call it often). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The job methods of Provider, over a provider's own ActiveDojo. */
export abstract class ProviderBase {
  abstract readonly name: ProviderName;
  /** How often waitJob polls when the caller does not say. */
  protected abstract readonly pollMs: number;

  protected constructor(protected readonly home: string) {}

  /**
   * Runs fn with the dojo's manager reachable; an UNAVAILABLE error saying to run `dojo activate`
   * when it is not. `doing` names the command for error messages.
   */
  protected abstract withActiveDojo<T>(cfg: DojoConfig, doing: string, fn: (d: ActiveDojo) => Promise<T>): Promise<T>;

  /** Ends the job's workers (whether or not the manager answers); reason is recorded where the provider can. */
  protected abstract endWorkers(cfg: DojoConfig, job: JobRecord, reason: string, progress: ProgressFn): Promise<void>;

  /** Provider work on a new job before it is recorded (AWS: a task definition for --image). */
  protected async prepareJob(_cfg: DojoConfig, job: JobRecord): Promise<JobRecord> {
    return job;
  }

  /** Refuses a start this provider cannot run (AWS: data that is not in S3), before anything happens. */
  protected checkStart(_cfg: DojoConfig, _job: JobRecord, _options: StartJobOptions): void {}

  /** Waits between polls (tests of a provider may make it instant). */
  protected pause(ms: number, signal?: AbortSignal): Promise<void> {
    return sleep(ms, signal);
  }

  /** The config of a dojo of this provider (NOT_FOUND, or USAGE for a dojo of another provider). */
  protected config(id: string): DojoConfig {
    return ownDojoConfig(this.home, id, this.name);
  }

  /** Records a new job of the dojo (nothing runs until startJob). */
  async createJob(dojoId: string, options: { readonly image?: string }): Promise<JobRecord> {
    const cfg = this.config(dojoId);
    const job = await this.prepareJob(cfg, newJobRecord(dojoId, options));
    saveJob(this.home, job);
    return job;
  }

  /** Jobs of one dojo, or of all this provider's dojos; most recent first. */
  async listJobs(dojoId?: string): Promise<JobRecord[]> {
    const ids = dojoId ? [this.config(dojoId).id] : listDojoConfigs(this.home).filter((c) => c.provider === this.name).map((c) => c.id);
    return ids.flatMap((id) => listJobRecords(this.home, id)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Records the study settings of a job that has not started. */
  async enableHpo(jobId: string, settings: HpoSettings): Promise<JobRecord> {
    const job = this.job(jobId);
    const next = withHpoSettings(job, settings);
    saveJob(this.home, next);
    return next;
  }

  /** Creates the job's study, records the job as running, then starts its workers. */
  async startJob(jobId: string, options: StartJobOptions, progress: ProgressFn = noop): Promise<JobInfo> {
    const job = this.job(jobId);
    const cfg = this.config(job.dojoId);
    const hpo = startableHpo(job, cfg, options);
    this.checkStart(cfg, job, options);
    return this.withActiveDojo(cfg, `dojo job start ${jobId}`, async (d) => {
      const study = await d.hpo.createStudy(jobStudySpec(job.id, hpo));
      const studyId = String(study.id);
      progress(studyCreatedMessage(studyId, hpo, options));
      const run = startedRun(hpo, options, studyId, study.parentRunId);
      let started: JobRecord = { ...job, status: 'running', run };
      saveJob(this.home, started);
      await d.launch(started, workerLaunches(started, run, hpo.metric, d.workers), (j) => saveJob(this.home, (started = j)), progress);
      return { ...started, trackingUri: d.trackingUri };
    });
  }

  /** The job's progress now; a job that has ended is recorded as such once its study has. */
  async jobProgress(jobId: string): Promise<JobProgress> {
    const job = this.job(jobId);
    if (!job.run) return progressOf(job, EMPTY_STUDY, 0);
    const cfg = this.config(job.dojoId);
    if (isTerminal(job.status)) return this.endedProgress(cfg, job);
    return this.withActiveDojo(cfg, `dojo job ${jobId}`, (d) => this.progressWith(cfg, d, jobId));
  }

  /** Polls until the job ends (or signal aborts); CONFLICT for a job that was never started. */
  async waitJob(jobId: string, options: WaitJobOptions): Promise<JobProgress> {
    const job = this.job(jobId);
    if (!job.run) {
      throw new DojoError('CONFLICT', `job ${jobId} has not been started; run \`dojo job start ${jobId} -e DOJO_TRAIN_GLOB ... -e DOJO_VAL_GLOB ...\``);
    }
    const cfg = this.config(job.dojoId);
    if (isTerminal(job.status)) {
      const p = await this.endedProgress(cfg, job);
      options.onProgress(p);
      return p;
    }
    // One session for the whole wait (one tunnel on AWS).
    return this.withActiveDojo(cfg, `dojo job wait ${jobId}`, async (d) => {
      for (;;) {
        const p = await this.progressWith(cfg, d, jobId);
        options.onProgress(p);
        if (isTerminal(p.status) || options.signal?.aborted) return p;
        await this.pause(options.intervalMs ?? this.pollMs, options.signal);
      }
    });
  }

  /** The job with its live progress (without it while the dojo is not active). */
  async inspectJob(jobId: string): Promise<JobInfo> {
    const job = this.job(jobId);
    if (!job.run) return job;
    const cfg = this.config(job.dojoId);
    try {
      return await this.withActiveDojo(cfg, `dojo job inspect ${jobId}`, async (d) => {
        const progress = isTerminal(job.status) ? await this.progressOfEnded(d, job) : await this.progressWith(cfg, d, jobId);
        return { ...this.job(jobId), progress, trackingUri: d.trackingUri };
      });
    } catch (e) {
      if (e instanceof DojoError && e.code === 'UNAVAILABLE') return job;
      throw e;
    }
  }

  /** Ends the job's workers (their running trials fail) and records it stopped. */
  async stopJob(jobId: string, progress: ProgressFn = noop): Promise<JobInfo> {
    const job = this.job(jobId);
    const cfg = this.config(job.dojoId);
    await this.endWorkers(cfg, job, `dojo job stop ${jobId}`, progress);
    if (job.run && !isTerminal(job.status)) saveJob(this.home, endedJob(job, 'stopped'));
    return this.inspectJob(jobId);
  }

  /** A job record of this provider (NOT_FOUND, or USAGE when the job's dojo is another provider's). */
  protected job(jobId: string): JobRecord {
    const job = loadJob(this.home, jobId);
    this.config(job.dojoId);
    return job;
  }

  // The progress of a running job; when its study has ended, idle stragglers are ended and the end recorded.
  private async progressWith(cfg: DojoConfig, d: ActiveDojo, jobId: string): Promise<JobProgress> {
    let job = this.job(jobId);
    const run = job.run!;
    const alive = await d.aliveWorkers(job);
    const study: StudyView = await d.hpo.getStudy(run.studyId);
    let p = progressOf(job, study, alive);
    if (isTerminal(p.status) && p.status !== job.status) {
      await this.endWorkers(cfg, job, `dojo: job ${jobId} ${p.status}`, noop);
      job = endedJob(job, p.status);
      saveJob(this.home, job);
      p = progressOf(job, study, 0);
    }
    return p;
  }

  private async progressOfEnded(d: ActiveDojo, job: JobRecord): Promise<JobProgress> {
    return progressOf(job, await d.hpo.getStudy(job.run!.studyId), await d.aliveWorkers(job));
  }

  // An ended job's progress: its study when the manager answers, its recorded status either way.
  private async endedProgress(cfg: DojoConfig, job: JobRecord): Promise<JobProgress> {
    try {
      return await this.withActiveDojo(cfg, `dojo job ${job.id}`, (d) => this.progressOfEnded(d, job));
    } catch (e) {
      if (e instanceof DojoError && e.code === 'UNAVAILABLE') return progressOf(job, EMPTY_STUDY, 0);
      throw e;
    }
  }
}
