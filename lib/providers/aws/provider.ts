// The AWS provider: a dojo is the CloudFormation stack `dojo-<id>` (deployed with toolkit-lib),
// found again through its SSM parameters and driven with the SDK v3 clients.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { DojoError } from '../../errors';
import { DOJO_STATUS, DOJO_TAG_KEY, dojoParameterName } from '../../infra/parameters';
import { dojoHourlyCost } from '../../infra/cost';
import type {
  DojoConfig, DojoInfo, DojoSummary, HpoSettings, InitOptions, JobInfo, JobLogsOptions, JobProgress, ProgressFn, Provider,
  RemoveOptions, RemoveResult, StartJobOptions, WaitJobOptions,
} from '../provider';
import {
  dojoDir, dojoHome, listDojoConfigs, listJobRecords, loadDojoConfig, loadJob, newId, readJson, saveDojoConfig, saveJob, writeJsonAtomic,
} from '../state';
import { jobStudySpec, startableHpo, studyCreatedMessage } from '../job-start';
import { isTerminal, progressOf } from '../study-view';
import { createAwsClients, resolveRegion, type AwsClients } from './clients';
import { ToolkitStackDeployer, dojoContext, type DeployTarget, type StackDeployer } from './deploy';
import { costConfig, dojoInfoOf, portsOf, runningTasks, snapshot } from './describe';
import { isAwsError, mapAwsErrors } from './errors';
import { checkAwsJobEnv, registerJobTaskDefinition, type AwsJobRecord } from './jobs';
import { awsJobProgress, launchJobTasks } from './job-control';
import { DEFAULT_WAIT, activateDojo, deactivateDojo, stopJobTasks, type WaitSettings } from './lifecycle';
import { readJobLogs } from './logs';
import { cliConfigParameterName } from './names';
import { need, published, readDojoParams, type DojoParams } from './params';
import { ssmPortForward, type OpenService } from './session';
import { removeDojo } from './teardown';
import { withHeartbeat } from './heartbeat';
import { dataPrefix, globsOf, listUploadFiles, uploadFiles, type UploadProgress, type UploadResult } from './data';

/** Options of the AWS provider (tests substitute the clients' region factory, the deployer and the service access). */
export interface AwsProviderOptions {
  /** @default - $DOJO_HOME or ~/.dojo */
  readonly home?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - SDK clients of the region with the default credential chain */
  readonly clients?: (region: string) => AwsClients;
  /** @default - toolkit-lib (ToolkitStackDeployer) */
  readonly deployer?: StackDeployer;
  /** How the CLI reaches the manager's HPO service. @default - an SSM port-forwarding session */
  readonly openService?: OpenService;
  /** @default DEFAULT_WAIT */
  readonly wait?: Partial<WaitSettings>;
}

/** What the provider keeps locally besides the config ($DOJO_HOME/<id>/aws.json). */
interface AwsLocalState {
  readonly assetImageTags?: readonly string[];
}

const noop: ProgressFn = () => undefined;

/** Runs dojos on AWS. */
export class AwsProvider implements Provider {
  readonly name = 'aws' as const;
  private readonly home: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly makeClients: (region: string) => AwsClients;
  private readonly clientCache = new Map<string, AwsClients>();
  private readonly deployer: StackDeployer;
  private readonly openService: OpenService;
  private readonly wait: WaitSettings;

  constructor(options: AwsProviderOptions = {}) {
    this.home = options.home ?? dojoHome(options.env);
    this.env = options.env ?? process.env;
    this.makeClients = options.clients ?? ((region) => createAwsClients({ region, env: this.env }));
    this.deployer = options.deployer ?? new ToolkitStackDeployer();
    this.openService = options.openService ?? ssmPortForward(this.env);
    this.wait = { ...DEFAULT_WAIT, ...options.wait };
  }

  async init(options: InitOptions): Promise<DojoConfig> {
    const region = await resolveRegion(options.region, this.env);
    const cfg: DojoConfig = {
      id: newId('dojo'),
      provider: 'aws',
      createdAt: new Date().toISOString(),
      managerInstanceType: options.managerInstanceType ?? 't3.xlarge',
      workerInstanceType: options.workerInstanceType ?? 't3.xlarge',
      maxWorkers: options.maxWorkers ?? 4,
      spot: options.spot ?? false,
      region,
    };
    // Validated like `cdk deploy -c`, so a dojo that inits also deploys.
    costConfig(cfg);
    await this.guard(cfg, 'dojo init', async (c) => {
      await c.ssm.send(
        new PutParameterCommand({
          Name: cliConfigParameterName(cfg.id),
          Value: JSON.stringify(cfg),
          Type: 'String',
          Overwrite: false,
          Description: `dojo ${cfg.id}: settings recorded by dojo init (the stack writes /dojo/${cfg.id}/config on deploy)`,
          Tags: [{ Key: DOJO_TAG_KEY, Value: cfg.id }],
        }),
      );
    });
    saveDojoConfig(this.home, cfg);
    return cfg;
  }

  async list(): Promise<DojoSummary[]> {
    const out: DojoSummary[] = [];
    for (const cfg of listDojoConfigs(this.home).filter((x) => x.provider === 'aws')) {
      const status = await this.guard(cfg, 'dojo ls', async (c) => {
        try {
          const r = await c.ssm.send(new GetParameterCommand({ Name: dojoParameterName(cfg.id, 'status') }));
          return r.Parameter?.Value;
        } catch (e) {
          if (isAwsError(e, 'ParameterNotFound')) return undefined;
          throw e;
        }
      });
      const active = status === DOJO_STATUS.active;
      const cost = status === undefined ? 0 : dojoHourlyCost(costConfig(cfg), active ? { kind: 'active-idle' } : { kind: 'deactivated' }).totalUsdPerHour;
      out.push({ id: cfg.id, provider: 'aws', status: active ? 'active' : 'inactive', createdAt: cfg.createdAt, costPerHour: Math.round(cost * 10000) / 10000 });
    }
    return out;
  }

  async activate(id: string, progressFn: ProgressFn = noop): Promise<DojoInfo> {
    const cfg = this.config(id);
    await this.guard(cfg, `dojo activate ${id}`, async (c) => {
      const result = await withHeartbeat(progressFn, `dojo activate ${id}`, (progress) =>
        activateDojo({ clients: c, deployer: this.deployer, target: this.target(cfg), cfg, progress, wait: this.wait }),
      );
      if (result.deployed && result.assetImageTags) this.saveLocal(id, { assetImageTags: result.assetImageTags });
    });
    return this.inspect(id);
  }

  async deactivate(id: string, progress: ProgressFn = noop): Promise<DojoInfo> {
    const cfg = this.config(id);
    await this.guard(cfg, `dojo deactivate ${id}`, (c) =>
      withHeartbeat(progress, `dojo deactivate ${id}`, (p) => deactivateDojo({ clients: c, deployer: this.deployer, target: this.target(cfg), cfg, progress: p, wait: this.wait })),
    );
    for (const job of listJobRecords(this.home, id)) {
      if (job.status === 'running' && job.run) saveJob(this.home, { ...job, status: 'stopped', run: { ...job.run, endedAt: new Date().toISOString() } });
    }
    return this.inspect(id);
  }

  async inspect(id: string): Promise<DojoInfo> {
    const cfg = this.config(id);
    return this.guard(cfg, `dojo inspect ${id}`, async (c) => dojoInfoOf(cfg, c.region, await snapshot(c, id)));
  }

  async remove(id: string, progress: ProgressFn = noop, options: RemoveOptions = {}): Promise<RemoveResult> {
    const cfg = this.config(id);
    const scan = await this.guard(cfg, `dojo rm ${id}`, (c) =>
      withHeartbeat(progress, `dojo rm ${id}`, (p) => removeDojo({
        clients: c,
        deployer: this.deployer,
        target: this.target(cfg),
        cfg,
        keepData: options.keepData ?? false,
        assetImageTags: readJson<AwsLocalState>(this.localFile(id))?.assetImageTags,
        progress: p,
        wait: this.wait,
      })),
    );
    for (const k of scan.kept) progress(`kept: ${k}`);
    // The local record goes only when nothing remains, so that `dojo rm` can be run again.
    if (scan.remaining.length === 0) rmSync(dojoDir(this.home, id), { recursive: true, force: true });
    return { id, remaining: scan.remaining };
  }

  async createJob(dojoId: string, options: { readonly image?: string }): Promise<AwsJobRecord> {
    const cfg = this.config(dojoId);
    const id = newId('job');
    let taskDefinition: string | undefined;
    if (options.image) {
      taskDefinition = await this.guard(cfg, 'dojo job create', async (c) => {
        const params = await this.deployedParams(c, dojoId);
        return registerJobTaskDefinition(c.ecs, {
          dojoId,
          jobId: id,
          baseTaskDefinition: need(params, 'workerTaskDefinition', dojoId),
          container: need(params, 'workerContainer', dojoId),
          image: options.image!,
        });
      });
    }
    const job: AwsJobRecord = { id, dojoId, image: options.image ?? 'bundled', createdAt: new Date().toISOString(), status: 'created', taskDefinition };
    saveJob(this.home, job);
    return job;
  }

  async listJobs(dojoId?: string): Promise<AwsJobRecord[]> {
    const ids = dojoId ? [this.config(dojoId).id] : listDojoConfigs(this.home).filter((c) => c.provider === 'aws').map((c) => c.id);
    return ids.flatMap((id) => listJobRecords(this.home, id)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async inspectJob(jobId: string): Promise<JobInfo> {
    const job = loadJob(this.home, jobId);
    if (!job.run) return job;
    try {
      const progress = await this.jobProgress(jobId);
      return { ...loadJob(this.home, jobId), progress };
    } catch (e) {
      if (e instanceof DojoError && e.code === 'UNAVAILABLE') return job;
      throw e;
    }
  }

  async enableHpo(jobId: string, settings: HpoSettings): Promise<AwsJobRecord> {
    const job = loadJob(this.home, jobId);
    if (job.status !== 'created') {
      throw new DojoError('CONFLICT', `job ${job.id} was started already (status ${job.status}); HPO settings can only change before \`dojo job start\``);
    }
    const next = { ...job, hpo: settings };
    saveJob(this.home, next);
    return next;
  }

  async startJob(jobId: string, options: StartJobOptions, progress: ProgressFn = noop): Promise<JobInfo> {
    const job = loadJob(this.home, jobId) as AwsJobRecord;
    const cfg = this.config(job.dojoId);
    const hpo = startableHpo(job, cfg, options);
    checkAwsJobEnv(options.env);
    return this.guard(cfg, `dojo job start ${jobId}`, async (c) => {
      const params = await this.deployedParams(c, cfg.id);
      if (params.status !== DOJO_STATUS.active) throw new DojoError('CONFLICT', `dojo ${cfg.id} is not active; run \`dojo activate ${cfg.id}\` first`);
      const address = published(params, 'managerAddress');
      if (!address) throw new DojoError('UNAVAILABLE', `the manager of ${cfg.id} has not started yet; run \`dojo activate ${cfg.id}\` and wait for it`);
      const study = await this.withHpo(c, cfg.id, params, (client) => client.createStudy(jobStudySpec(job.id, hpo)));
      const studyId = String(study.id);
      progress(studyCreatedMessage(studyId, hpo, options));
      return launchJobTasks({ home: this.home, clients: c, cfg, params, job, options, studyId, parentRunId: study.parentRunId, address, progress });
    });
  }

  async jobProgress(jobId: string): Promise<JobProgress> {
    const job = loadJob(this.home, jobId);
    if (!job.run) return progressOf(job, { trials: [] }, 0);
    const cfg = this.config(job.dojoId);
    return this.guard(cfg, `dojo job ${jobId}`, async (c) => {
      const params = await this.deployedParams(c, cfg.id);
      return this.withHpo(c, cfg.id, params, (client) => awsJobProgress(this.home, c, params, jobId, client));
    });
  }

  async waitJob(jobId: string, options: WaitJobOptions): Promise<JobProgress> {
    const job = loadJob(this.home, jobId);
    const cfg = this.config(job.dojoId);
    if (!job.run) return progressOf(job, { trials: [] }, 0);
    const interval = options.intervalMs ?? 5000;
    return this.guard(cfg, `dojo job wait ${jobId}`, async (c) => {
      const params = await this.deployedParams(c, cfg.id);
      // One port-forwarding session for the whole wait.
      return this.withHpo(c, cfg.id, params, async (client) => {
        for (;;) {
          const p = await awsJobProgress(this.home, c, params, jobId, client);
          options.onProgress(p);
          if (isTerminal(p.status) || options.signal?.aborted) return p;
          await this.wait.sleep(interval);
        }
      });
    });
  }

  async jobLogs(jobId: string, options: JobLogsOptions): Promise<void> {
    const job = loadJob(this.home, jobId) as AwsJobRecord;
    const cfg = this.config(job.dojoId);
    await this.guard(cfg, `dojo job logs ${jobId}`, async (c) => {
      const params = await this.deployedParams(c, cfg.id);
      const cluster = need(params, 'cluster', cfg.id);
      await readJobLogs(
        c.logs,
        {
          logGroup: need(params, 'logGroup', cfg.id),
          container: need(params, 'workerContainer', cfg.id),
          tasks: job.tasks ?? [],
          done: async () => (await runningTasks(c.ecs, cluster, jobId)).length === 0,
          pollMs: Math.min(this.wait.pollMs, 2000),
          sleep: (ms) => this.wait.sleep(ms),
        },
        options,
      );
    });
  }

  async stopJob(jobId: string, progress: ProgressFn = noop): Promise<JobInfo> {
    const job = loadJob(this.home, jobId);
    const cfg = this.config(job.dojoId);
    await this.guard(cfg, `dojo job stop ${jobId}`, async (c) => {
      const params = await readDojoParams(c.ssm, cfg.id);
      if (params?.cluster) await stopJobTasks(c, params.cluster, jobId, `dojo job stop ${jobId}`, progress);
    });
    if (isTerminal(job.status) || !job.run) return job;
    const stopped = { ...job, status: 'stopped' as const, run: { ...job.run, endedAt: new Date().toISOString() } };
    saveJob(this.home, stopped);
    return stopped;
  }

  /** The manager instance and region for `dojo ui` (CONFLICT while the manager is not running). */
  async uiTarget(id: string): Promise<{ readonly instanceId: string; readonly region: string; readonly port: number }> {
    const cfg = this.config(id);
    return this.guard(cfg, `dojo ui ${id}`, async (c) => {
      const params = await this.deployedParams(c, id);
      const instanceId = published(params, 'managerInstanceId');
      if (!instanceId || params.status === DOJO_STATUS.deactivated) {
        throw new DojoError('CONFLICT', `the manager of ${id} is not running; run \`dojo activate ${id}\` first`);
      }
      return { instanceId, region: c.region, port: portsOf(params).tracking };
    });
  }

  /** Uploads a local folder to `s3://<bucket>/data/<prefix>/` and returns the globs to use. */
  async putData(id: string, dir: string, prefix: string | undefined, onProgress: UploadProgress): Promise<UploadResult> {
    const cfg = this.config(id);
    const keyPrefix = dataPrefix(dir, prefix);
    const files = listUploadFiles(dir, keyPrefix);
    return this.guard(cfg, `dojo data put ${id}`, async (c) => {
      const bucket = need(await this.deployedParams(c, id), 'bucket', id);
      const bytes = await uploadFiles(c.s3, bucket, files, onProgress);
      return { bucket, prefix: keyPrefix, files: files.length, bytes, globs: globsOf(bucket, files) };
    });
  }

  private async withHpo<T>(c: AwsClients, id: string, params: DojoParams, fn: (client: import('../../hpo/client').HpoClient) => Promise<T>): Promise<T> {
    const instanceId = published(params, 'managerInstanceId');
    if (!instanceId || params.status === DOJO_STATUS.deactivated) {
      throw new DojoError('UNAVAILABLE', `dojo ${id} is not active; run \`dojo activate ${id}\` first`);
    }
    const endpoint = await this.openService({ dojoId: id, region: c.region, instanceId, port: portsOf(params).hpo });
    try {
      const { HpoClient } = await import('../../hpo/client');
      return await fn(new HpoClient(endpoint.uri));
    } finally {
      await endpoint.close();
    }
  }

  private async deployedParams(c: AwsClients, id: string): Promise<DojoParams> {
    const params = await readDojoParams(c.ssm, id);
    if (!params) throw new DojoError('CONFLICT', `dojo ${id} is not deployed in ${c.region}; run \`dojo activate ${id}\` first`);
    return params;
  }

  private config(id: string): DojoConfig {
    const cfg = loadDojoConfig(this.home, id);
    if (cfg.provider !== 'aws') throw new DojoError('USAGE', `dojo ${id} runs on the ${cfg.provider} provider, not aws`);
    return cfg;
  }

  private target(cfg: DojoConfig): DeployTarget {
    return { dojoId: cfg.id, region: this.region(cfg), context: dojoContext(cfg) };
  }

  private region(cfg: DojoConfig): string {
    if (!cfg.region) throw new DojoError('BAD_DATA', `${join(dojoDir(this.home, cfg.id), 'config.json')}: no "region"; remove the dojo folder and run \`dojo init --provider aws --region R\``);
    return cfg.region;
  }

  private clients(region: string): AwsClients {
    let c = this.clientCache.get(region);
    if (!c) {
      c = this.makeClients(region);
      this.clientCache.set(region, c);
    }
    return c;
  }

  private guard<T>(cfg: DojoConfig, doing: string, fn: (c: AwsClients) => Promise<T>): Promise<T> {
    const region = this.region(cfg);
    return mapAwsErrors({ region, doing }, () => fn(this.clients(region)));
  }

  private localFile(id: string): string {
    return join(dojoDir(this.home, id), 'aws.json');
  }

  private saveLocal(id: string, state: AwsLocalState): void {
    writeJsonAtomic(this.localFile(id), state);
  }
}
