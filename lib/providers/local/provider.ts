// The local provider: a dojo is a folder under $DOJO_HOME plus processes on this machine.
import { existsSync, rmSync } from 'node:fs';
import { DojoError } from '../../errors';
import { ProviderBase, type ActiveDojo } from '../base';
import { withHeartbeat } from '../heartbeat';
import { INIT_DEFAULTS, LOCAL_POLL_MS } from '../defaults';
import type {
  DojoConfig, DojoInfo, DojoSummary, InitOptions, JobLogsOptions, JobRecord, NameInitOption, ProgressFn, Provider, RemoveResult, UiAccess,
} from '../provider';
import { trackingServerKind } from '../provider';
import type { DriveSummary } from '../jobs/driver/drive';
import { createDojoToken, dojoDir, dojoHome, listDojoConfigs, listJobRecords, loadJob, newId, readDojoToken, saveDojoConfig } from '../state';
import { managerState, startManager, statusOf, stopManager } from './control';
import { endLocalWorkers, jobWorkers, launchLocalWorkers, reapWorkers, requireManager } from './jobs';
import { layout } from './layout';
import { LogTailer } from './logs';
import { isOurs, selfCli, type CliCommand } from './process';

/** Options of the local provider. */
export interface LocalProviderOptions {
  /** @default - $DOJO_HOME or ~/.dojo */
  readonly home?: string;
  /** The environment manager and worker processes inherit. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How to start manager and worker processes. @default - this process's own CLI */
  readonly cli?: CliCommand;
  /** Longest silence of activate and deactivate while they wait (a line with the elapsed time then). @default 10000 */
  readonly heartbeatMs?: number;
}

const noop: ProgressFn = () => undefined;
const AWS_ONLY: readonly (keyof InitOptions)[] = ['managerInstanceType', 'workerInstanceType', 'spot', 'region'];

/** Runs dojos as processes on this machine; state under $DOJO_HOME. */
export class LocalProvider extends ProviderBase implements Provider {
  readonly name = 'local' as const;
  protected readonly pollMs = LOCAL_POLL_MS;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cli: CliCommand;
  private readonly heartbeatMs?: number;

  constructor(options: LocalProviderOptions = {}) {
    super(options.home ?? dojoHome(options.env));
    this.env = options.env ?? process.env;
    this.cli = options.cli ?? selfCli();
    this.heartbeatMs = options.heartbeatMs;
  }

  /** Workers are processes of this machine: the AWS-only options are refused, --max-workers must be >= 1. */
  validateInit(options: InitOptions, nameOf: NameInitOption): void {
    for (const key of AWS_ONLY) {
      if (options[key] !== undefined && options[key] !== false) {
        throw new DojoError('USAGE', `${nameOf(key)}: the local provider runs the dojo as processes on this machine; remove it, or use --provider aws`);
      }
    }
    const n = options.maxWorkers;
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 1)) throw new DojoError('USAGE', `${nameOf('maxWorkers')}: must be a whole number >= 1, got ${n}`);
  }

  async init(options: InitOptions): Promise<DojoConfig> {
    this.validateInit(options, (key) => key);
    const cfg: DojoConfig = {
      id: newId('dojo'),
      provider: 'local',
      createdAt: new Date().toISOString(),
      managerInstanceType: INIT_DEFAULTS.managerInstanceType,
      workerInstanceType: INIT_DEFAULTS.workerInstanceType,
      maxWorkers: options.maxWorkers ?? INIT_DEFAULTS.maxWorkers,
      spot: false,
      ...(options.trackingUri ? { trackingUri: options.trackingUri } : {}),
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
    await withHeartbeat(progress, `dojo activate ${id}`, async (p) => {
      await startManager(dojoDir(this.home, id), id, this.cli, p, this.env);
      await this.resumeJobs(this.config(id), p);
    }, { everyMs: this.heartbeatMs });
    return this.inspect(id);
  }

  async deactivate(id: string, progress: ProgressFn = noop): Promise<DojoInfo> {
    return withHeartbeat(progress, `dojo deactivate ${id}`, (p) => this.stopAll(id, p), { everyMs: this.heartbeatMs });
  }

  // Suspends the running jobs, stops other workers and the manager (deactivate's work).
  private async stopAll(id: string, progress: ProgressFn): Promise<DojoInfo> {
    const cfg = this.config(id);
    const l = layout(dojoDir(this.home, id));
    for (const job of listJobRecords(this.home, id)) {
      // A running job is suspended (activate resumes it); stragglers of any other job are stopped.
      if (job.status === 'running' && job.run) await this.suspendJob(cfg, job, `dojo deactivate ${id}`, progress);
      else if (jobWorkers(l, job.id).some(isOurs)) await this.stopJob(job.id, progress);
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
      trackingUri: up ? m.info?.trackingUri : cfg.trackingUri,
      trackingServer: trackingServerKind(cfg),
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

  async jobLogs(jobId: string, options: JobLogsOptions): Promise<void> {
    let job = this.job(jobId);
    const l = layout(dojoDir(this.home, job.dojoId));
    const tailer = new LogTailer(options);
    tailer.poll(jobWorkers(l, jobId));
    while (options.follow && !options.signal?.aborted) {
      if (job.status === 'running') {
        try {
          // Records the job's end once its study has ended.
          await this.jobProgress(jobId);
        } catch {
          // The manager is down: keep showing what the workers write.
        }
      }
      job = loadJob(this.home, jobId);
      const workers = jobWorkers(l, jobId);
      const done = job.status !== 'running' && !workers.some(isOurs);
      tailer.poll(workers);
      if (done) return;
      await this.pause(500, options.signal);
    }
  }

  /** The tracking UI answers on 127.0.0.1 as it is: its address, with the dojo's token once (the page keeps it in a cookie). */
  async ui(id: string): Promise<UiAccess> {
    const url = (await this.inspect(id)).extra?.DOJO_UI_URL;
    if (!url) throw new DojoError('CONFLICT', `dojo ${id} is not active; run \`dojo activate ${id}\` first`);
    return { url, note: "it carries the dojo's token once" };
  }

  /** Runs the manager of the dojo in dojoDir (`dojo manager serve`) until SIGTERM/SIGINT. */
  async serveManager(dir: string, log: (line: string) => void): Promise<void> {
    const { serveManager } = await import('./manager');
    await serveManager(dir, log);
  }

  /** Runs one trial driver of a command job (`dojo job drive`, started by `job start`) until its study has no trial left or signal aborts. */
  async driveCommandJob(dir: string, env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, signal: AbortSignal): Promise<DriveSummary> {
    const { driveLocal } = await import('./drive');
    return driveLocal(dir, env, log, signal);
  }

  protected async withActiveDojo<T>(cfg: DojoConfig, _doing: string, fn: (d: ActiveDojo) => Promise<T>): Promise<T> {
    const manager = await requireManager(this.home, cfg.id);
    const { HpoClient } = await import('../../hpo/client');
    const l = layout(dojoDir(this.home, cfg.id));
    return fn({
      hpo: new HpoClient(manager.hpoUri, { token: manager.token }),
      workers: {
        trackingUri: manager.trackingUri,
        hpoUri: manager.hpoUri,
        // The dojo's servers require its token; an external tracking server takes the user's MLflow variables instead.
        ...(manager.token ? { token: manager.token, ...(manager.trackingExternal ? {} : { trackingToken: manager.token }) } : {}),
      },
      trackingUri: manager.trackingUri,
      launch: async (job, workers, _record, progress) => launchLocalWorkers(l, job, workers, this.cli, this.env, progress),
      aliveWorkers: (job) => reapWorkers(l, job, manager),
    });
  }

  protected async endWorkers(cfg: DojoConfig, job: JobRecord, reason: string, progress: ProgressFn): Promise<void> {
    await endLocalWorkers(layout(dojoDir(this.home, cfg.id)), job, progress, reason);
  }
}
