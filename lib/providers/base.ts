// The half of the Provider interface that is the same on every provider: job records, starting a
// job (study first, then its workers), progress, waiting, stopping. A provider supplies only what is
// its own: how to reach an active dojo's services and start, count and end workers there.
import { DojoError } from '../errors';
import type { HpoClient } from '../hpo/client';
import type {
  CreateJobOptions, DojoConfig, HpoSettings, JobInfo, JobProgress, JobRecord, ProgressFn, ProviderName, StartJobOptions, WaitJobOptions,
} from './provider';
import { jobFile, listDojoConfigs, listJobRecords, loadJob, saveJob } from './state';
import { isTerminal, progressOf, type StudyView } from './jobs/progress';
import { endedJob, newJobRecord, notStarted, ownDojoConfig, withHpoSettings } from './jobs/records';
import { withStartLock } from './jobs/start-lock';
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
  async createJob(dojoId: string, options: CreateJobOptions): Promise<JobRecord> {
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

  /**
   * Creates the job's study and starts its workers, holding the job's start lock (one start wins,
   * the other is a CONFLICT). The job is `starting` while its workers launch and `running` once they
   * all exist; a launch that fails ends the workers it started and leaves the job `created` again,
   * so `job start` can be retried.
   */
  async startJob(jobId: string, options: StartJobOptions, progress: ProgressFn = noop): Promise<JobInfo> {
    const first = this.job(jobId);
    const cfg = this.config(first.dojoId);
    startableHpo(first.status === 'starting' ? { ...first, status: 'created' } : first, cfg, options);
    this.checkStart(cfg, first, options);
    return withStartLock(jobFile(this.home, first.dojoId, jobId), jobId, () =>
      this.withActiveDojo(cfg, `dojo job start ${jobId}`, async (d) => {
        // Read again under the lock: another start may have finished since.
        let job = this.job(jobId);
        if (job.status === 'starting') {
          // Under the lock no other start runs: the one that recorded this crashed or could not undo itself.
          progress(`job ${jobId}: an earlier \`dojo job start\` did not finish; ending the workers it started`);
          await this.endWorkers(cfg, job, `dojo job start ${jobId}: an earlier start did not finish`, progress);
          job = notStarted(job);
          saveJob(this.home, job);
        }
        const hpo = startableHpo(job, cfg, options);
        const study = await d.hpo.createStudy(jobStudySpec(job.id, hpo));
        const studyId = String(study.id);
        progress(studyCreatedMessage(studyId, hpo, options));
        const run = startedRun(hpo, options, studyId, study.parentRunId);
        let started: JobRecord = { ...job, status: 'starting', run };
        saveJob(this.home, started);
        try {
          await d.launch(started, workerLaunches(started, run, hpo.metric, d.workers), (j) => saveJob(this.home, (started = j)), progress);
        } catch (e) {
          await this.undoStart(cfg, job, started, e, progress);
          throw e;
        }
        started = { ...started, status: 'running' };
        saveJob(this.home, started);
        return { ...started, trackingUri: d.trackingUri };
      }),
    );
  }

  /**
   * After a failed launch: ends the workers that did start and records the job as it was before
   * (`created`), so that neither a retry nor `job stop` finds a running job without workers. When
   * the workers cannot be ended, the job stays `starting` (with its run) for `job stop`.
   */
  private async undoStart(cfg: DojoConfig, before: JobRecord, started: JobRecord, cause: unknown, progress: ProgressFn): Promise<void> {
    const why = cause instanceof Error ? cause.message : String(cause);
    try {
      await this.endWorkers(cfg, started, `dojo job start ${started.id} failed: ${why}`, progress);
    } catch (e) {
      progress(`job ${started.id}: could not end the workers of the failed start (${e instanceof Error ? e.message : String(e)}); run \`dojo job stop ${started.id}\``);
      return;
    }
    saveJob(this.home, notStarted(before));
    progress(`job ${started.id}: the start failed and was undone (no workers left); fix the cause and run \`dojo job start ${started.id}\` again`);
  }

  /**
   * Ends a running job's workers for `deactivate` (their trials fail, the study stays) and records
   * it `suspended`, so that `activate` resumes it.
   */
  protected async suspendJob(cfg: DojoConfig, job: JobRecord, reason: string, progress: ProgressFn): Promise<void> {
    await this.endWorkers(cfg, job, reason, progress);
    saveJob(this.home, { ...job, status: 'suspended' });
    progress(`job ${job.id} suspended; \`dojo activate ${cfg.id}\` resumes it`);
  }

  /**
   * Starts the workers of the dojo's suspended jobs again with their recorded runs: the same study
   * goes on where it stopped. A job whose workers cannot start stays suspended (reported, not thrown:
   * the dojo itself is active).
   */
  protected async resumeJobs(cfg: DojoConfig, progress: ProgressFn): Promise<void> {
    for (const job of listJobRecords(this.home, cfg.id)) {
      if (job.status !== 'suspended' || !job.run) continue;
      try {
        await this.resumeJob(cfg, job.id, progress);
      } catch (e) {
        progress(`job ${job.id} stays suspended: ${e instanceof Error ? e.message : String(e)}; run \`dojo activate ${cfg.id}\` again or \`dojo job stop ${job.id}\``);
      }
    }
  }

  private resumeJob(cfg: DojoConfig, jobId: string, progress: ProgressFn): Promise<void> {
    return withStartLock(jobFile(this.home, cfg.id, jobId), jobId, () =>
      this.withActiveDojo(cfg, `dojo activate ${cfg.id}`, async (d) => {
        const job = this.job(jobId);
        const run = job.run;
        if (job.status !== 'suspended' || !run) return;
        progress(`resuming job ${jobId} (study ${run.studyId})`);
        let started: JobRecord = { ...job, status: 'starting' };
        saveJob(this.home, started);
        try {
          await d.launch(started, workerLaunches(started, run, job.hpo?.metric ?? 'objective', d.workers), (j) => saveJob(this.home, (started = j)), progress);
        } catch (e) {
          await this.endWorkers(cfg, started, `dojo activate ${cfg.id}: resuming ${jobId} failed`, progress).catch(() => undefined);
          saveJob(this.home, { ...started, status: 'suspended' });
          throw e;
        }
        saveJob(this.home, { ...started, status: 'running' });
      }),
    );
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
      if (e instanceof DojoError && e.code === 'UNAVAILABLE') return { ...job, countsUnknown: e.message };
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

  // An ended job's progress: its study when the manager answers, its recorded status either way (counts unknown then, and why).
  private async endedProgress(cfg: DojoConfig, job: JobRecord): Promise<JobProgress> {
    try {
      return await this.withActiveDojo(cfg, `dojo job ${job.id}`, (d) => this.progressOfEnded(d, job));
    } catch (e) {
      if (e instanceof DojoError && e.code === 'UNAVAILABLE') return { ...progressOf(job, EMPTY_STUDY, 0), countsUnknown: e.message };
      throw e;
    }
  }
}
