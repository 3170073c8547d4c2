// The local provider: a dojo is a folder under $DOJO_HOME plus processes on this machine.
import { existsSync, rmSync } from 'node:fs';
import { DojoError } from '../../errors';
import type {
  DojoConfig, DojoInfo, DojoSummary, HpoSettings, InitOptions, JobInfo, JobLogsOptions, JobProgress,
  JobRecord, ProgressFn, Provider, RemoveResult, StartJobOptions, WaitJobOptions,
} from '../provider';
import {
  createDojoToken, dojoDir, dojoHome, listDojoConfigs, listJobRecords, loadDojoConfig, loadJob, newId, readDojoToken, saveDojoConfig, saveJob,
} from '../state';
import { isTerminal } from '../study-view';
import { managerState, startManager, statusOf, stopManager } from './control';
import { inspectLocalJob, jobWorkers, localJobProgress, startLocalJob, stopLocalJob, withHpo } from './jobs';
import { layout } from './layout';
import { LogTailer } from './logs';
import { isOurs, selfCli, type CliCommand } from './process';

/** Options of the local provider. */
export interface LocalProviderOptions {
  /** @default - $DOJO_HOME or ~/.dojo */
  readonly home?: string;
  /** How to start manager and worker processes. @default - this process's own CLI */
  readonly cli?: CliCommand;
}

const noop: ProgressFn = () => undefined;
/** Waits ms, or less when signal aborts; removes its abort listener either way (polls call it often). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => { clearTimeout(t); resolve(); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Runs dojos as processes on this machine; state under $DOJO_HOME. */
export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  private readonly home: string;
  private readonly cli: CliCommand;

  constructor(options: LocalProviderOptions = {}) {
    this.home = options.home ?? dojoHome();
    this.cli = options.cli ?? selfCli();
  }

  async init(options: InitOptions): Promise<DojoConfig> {
    const cfg: DojoConfig = {
      id: newId('dojo'),
      provider: 'local',
      createdAt: new Date().toISOString(),
      managerInstanceType: options.managerInstanceType ?? 't3.xlarge',
      workerInstanceType: options.workerInstanceType ?? 't3.xlarge',
      maxWorkers: options.maxWorkers ?? 8,
      spot: options.spot ?? false,
    };
    saveDojoConfig(this.home, cfg);
    return cfg;
  }

  async list(): Promise<DojoSummary[]> {
    const out: DojoSummary[] = [];
    for (const cfg of listDojoConfigs(this.home).filter((c) => c.provider === 'local')) {
      const status = await statusOf(managerState(layout(dojoDir(this.home, cfg.id))));
      out.push({ id: cfg.id, provider: 'local', status, createdAt: cfg.createdAt, costPerHour: 0 });
    }
    return out;
  }

  async activate(id: string, progress: ProgressFn = noop): Promise<DojoInfo> {
    this.config(id);
    // Dojos made before servers had tokens get one now, before their manager starts.
    if (readDojoToken(this.home, id) === undefined) createDojoToken(this.home, id);
    await startManager(dojoDir(this.home, id), id, this.cli, progress);
    return this.inspect(id);
  }

  async deactivate(id: string, progress: ProgressFn = noop): Promise<DojoInfo> {
    this.config(id);
    const l = layout(dojoDir(this.home, id));
    for (const job of listJobRecords(this.home, id)) {
      if (jobWorkers(l, job.id).some(isOurs)) await stopLocalJob(this.home, job, progress);
    }
    const m = managerState(l);
    if (m.alive) progress(`stopping the manager of ${id} (pid ${m.record?.pid})`);
    const left = await stopManager(l);
    if (left.length > 0) throw new DojoError('LOST', `could not end the manager of ${id} (pid ${left.join(', ')})`);
    return this.inspect(id);
  }

  async inspect(id: string): Promise<DojoInfo> {
    const cfg = this.config(id);
    const l = layout(dojoDir(this.home, id));
    const m = managerState(l);
    const status = await statusOf(m);
    const warnings: string[] = [];
    if (m.record && !m.alive) {
      warnings.push(`the manager (pid ${m.record.pid}) is not running any more (stale pid); run \`dojo activate ${id}\` to start it again`);
    }
    let workers = 0;
    for (const job of listJobRecords(this.home, id)) {
      const procs = jobWorkers(l, job.id);
      const alive = procs.filter(isOurs).length;
      workers += alive;
      if (job.status === 'running' && alive < procs.length) {
        warnings.push(`job ${job.id}: ${procs.length - alive} of ${procs.length} worker process(es) have exited`);
      }
    }
    const up = m.alive && m.info;
    return {
      id,
      provider: 'local',
      status,
      managerIp: up ? '127.0.0.1' : undefined,
      trackingUri: up ? m.info?.trackingUri : undefined,
      hpoUri: up ? m.info?.hpoUri : undefined,
      workers,
      costPerHour: 0,
      activatedAt: m.alive ? m.record?.startedAt : undefined,
      createdAt: cfg.createdAt,
      warnings,
      // The token opens the web UI once (then a cookie); MLflow clients take it as MLFLOW_TRACKING_TOKEN.
      ...(up && m.info?.token ? { extra: { DOJO_UI_URL: `${m.info.trackingUri}/?token=${m.info.token}`, DOJO_TOKEN: m.info.token } } : {}),
    };
  }

  async remove(id: string, progress: ProgressFn = noop): Promise<RemoveResult> {
    this.config(id);
    await this.deactivate(id, progress);
    const dir = dojoDir(this.home, id);
    const l = layout(dir);
    const procs = [...listJobRecords(this.home, id).flatMap((j) => jobWorkers(l, j.id))];
    const record = managerState(l).record;
    progress(`removing ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    const remaining: string[] = [];
    for (const p of procs) if (isOurs(p)) remaining.push(`process ${p.pid} (worker g${p.group}/r${p.replica})`);
    if (record && isOurs(record)) remaining.push(`process ${record.pid} (manager)`);
    if (existsSync(dir)) remaining.push(`folder ${dir}`);
    return { id, remaining };
  }

  async createJob(dojoId: string, options: { readonly image?: string }): Promise<JobRecord> {
    this.config(dojoId);
    const job: JobRecord = { id: newId('job'), dojoId, image: options.image ?? 'bundled', createdAt: new Date().toISOString(), status: 'created' };
    saveJob(this.home, job);
    return job;
  }

  async listJobs(dojoId?: string): Promise<JobRecord[]> {
    const ids = dojoId ? [this.config(dojoId).id] : listDojoConfigs(this.home).filter((c) => c.provider === 'local').map((c) => c.id);
    return ids.flatMap((id) => listJobRecords(this.home, id)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async inspectJob(jobId: string): Promise<JobInfo> {
    return inspectLocalJob(this.home, loadJob(this.home, jobId));
  }

  async enableHpo(jobId: string, settings: HpoSettings): Promise<JobRecord> {
    const job = withHpo(loadJob(this.home, jobId), settings);
    saveJob(this.home, job);
    return job;
  }

  async startJob(jobId: string, options: StartJobOptions, progress: ProgressFn = noop): Promise<JobInfo> {
    const job = loadJob(this.home, jobId);
    const started = await startLocalJob(this.home, this.config(job.dojoId), job, options, this.cli, progress);
    return inspectLocalJob(this.home, started);
  }

  async jobProgress(jobId: string): Promise<JobProgress> {
    return (await localJobProgress(this.home, loadJob(this.home, jobId))).progress;
  }

  async waitJob(jobId: string, options: WaitJobOptions): Promise<JobProgress> {
    const interval = options.intervalMs ?? 1000;
    const job = loadJob(this.home, jobId);
    if (job.status === 'created') throw new DojoError('CONFLICT', `job ${jobId} has not been started; run \`dojo job start ${jobId} -e DOJO_TRAIN_GLOB ... -e DOJO_VAL_GLOB ...\``);
    for (;;) {
      const p = await this.jobProgress(jobId);
      options.onProgress(p);
      if (isTerminal(p.status) || options.signal?.aborted) return p;
      await sleep(interval, options.signal);
    }
  }

  async jobLogs(jobId: string, options: JobLogsOptions): Promise<void> {
    let job = loadJob(this.home, jobId);
    const l = layout(dojoDir(this.home, job.dojoId));
    const tailer = new LogTailer(options);
    tailer.poll(jobWorkers(l, jobId));
    while (options.follow && !options.signal?.aborted) {
      job = loadJob(this.home, jobId);
      const workers = jobWorkers(l, jobId);
      if (job.status === 'running') {
        try {
          job = (await localJobProgress(this.home, job)).job;
        } catch {
          // The manager is down: keep showing what the workers write.
        }
      }
      const done = job.status !== 'running' && !workers.some(isOurs);
      tailer.poll(workers);
      if (done) return;
      await sleep(500, options.signal);
    }
  }

  async stopJob(jobId: string, progress: ProgressFn = noop): Promise<JobInfo> {
    const stopped = await stopLocalJob(this.home, loadJob(this.home, jobId), progress);
    return inspectLocalJob(this.home, stopped);
  }

  private config(id: string): DojoConfig {
    const cfg = loadDojoConfig(this.home, id);
    if (cfg.provider !== 'local') throw new DojoError('INTERNAL', `dojo ${id} belongs to the ${cfg.provider} provider`);
    return cfg;
  }
}
