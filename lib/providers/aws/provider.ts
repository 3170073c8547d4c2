// The AWS provider: a dojo is the CloudFormation stack `dojo-<id>` (deployed with toolkit-lib),
// found again through its SSM parameters and driven with the SDK v3 clients.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { DojoError } from '../../errors';
import { parseDojoConfig, type DojoContextKey } from '../../infra/config';
import { DOJO_STATUS, DOJO_TAG_KEY, dojoParameterName } from '../../infra/parameters';
import { dojoHourlyCost } from '../../infra/cost';
import { WORKER_ENV } from '../../jobs/env';
import { ProviderBase, type ActiveDojo } from '../base';
import { AWS_POLL_MS, INIT_DEFAULTS } from '../defaults';
import { endedJob } from '../jobs/records';
import type {
  DojoConfig, DojoInfo, DojoSummary, InitOptions, JobLogsOptions, JobRecord, NameInitOption, ProgressFn, Provider,
  RemoveOptions, RemoveResult, StartJobOptions, UiAccess, UiOptions, UploadProgress, UploadResult,
} from '../provider';
import { dojoDir, dojoHome, listDojoConfigs, listJobRecords, newId, readJson, saveDojoConfig, saveJob, writeJsonAtomic } from '../state';
import { createAwsClients, resolveRegion, type AwsClients } from './clients';
import { ToolkitStackDeployer, dojoContext, type DeployTarget, type StackDeployer } from './deploy';
import { costConfig, dojoInfoOf, portsOf, runningTasks, snapshot } from './describe';
import { isAwsError, mapAwsErrors } from './errors';
import { JOB_RENDEZVOUS_WINDOW_MS, scaleOutForJob } from './capacity';
import { checkAwsJobEnv, runJobTasks, type AwsJobRecord } from './jobs';
import { gpusOf, graceOf, registerCommandTaskDefinition } from './command-jobs';
import { driverStreamPrefix, isDriverTask, launchDrivers } from './command-start';
import type { DriveSummary } from '../jobs/driver/drive';
import { DEFAULT_WAIT, activateDojo, deactivateDojo, stopJobTasks, type WaitSettings } from './lifecycle';
import { readJobLogs } from './logs';
import { cliConfigParameterName } from './names';
import { need, published, readDojoParams, type DojoParams } from './params';
import { missingSessionTool, portForwardArgs, portForwardCommand, ssmPortForward, type OpenService } from './session';
import { removeDojo } from './teardown';
import { withHeartbeat } from './heartbeat';
import { putTrackingSecrets, trackingSecretsIn } from './tracking-secrets';
import { dataPrefix, globsOf, listUploadFiles, uploadFiles } from './data';

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
export class AwsProvider extends ProviderBase implements Provider {
  readonly name = 'aws' as const;
  protected readonly pollMs = AWS_POLL_MS;
  private readonly env: NodeJS.ProcessEnv;
  private readonly makeClients: (region: string) => AwsClients;
  private readonly clientCache = new Map<string, AwsClients>();
  private readonly deployer: StackDeployer;
  private readonly openService: OpenService;
  private readonly wait: WaitSettings;

  constructor(options: AwsProviderOptions = {}) {
    super(options.home ?? dojoHome(options.env));
    this.env = options.env ?? process.env;
    this.makeClients = options.clients ?? ((region) => createAwsClients({ region, env: this.env }));
    this.deployer = options.deployer ?? new ToolkitStackDeployer();
    this.openService = options.openService ?? ssmPortForward(this.env);
    this.wait = { ...DEFAULT_WAIT, ...options.wait };
  }

  /** The options are checked with the stack's own config rules (`cdk deploy -c`), so a dojo that inits also deploys. */
  validateInit(options: InitOptions, nameOf: NameInitOption): void {
    const names: Partial<Record<DojoContextKey, keyof InitOptions>> = {
      managerInstanceType: 'managerInstanceType',
      workerInstanceType: 'workerInstanceType',
      maxWorkers: 'maxWorkers',
      spot: 'spot',
      trackingUri: 'trackingUri',
    };
    parseDojoConfig({ ...options, dojoId: 'validation' }, (key) => nameOf(names[key] ?? key as keyof InitOptions));
  }

  async init(options: InitOptions): Promise<DojoConfig> {
    this.validateInit(options, (key) => key);
    const region = await resolveRegion(options.region, this.env);
    const cfg: DojoConfig = {
      id: newId('dojo'),
      provider: 'aws',
      createdAt: new Date().toISOString(),
      managerInstanceType: options.managerInstanceType ?? INIT_DEFAULTS.managerInstanceType,
      workerInstanceType: options.workerInstanceType ?? INIT_DEFAULTS.workerInstanceType,
      maxWorkers: options.maxWorkers ?? INIT_DEFAULTS.maxWorkers,
      spot: options.spot ?? INIT_DEFAULTS.spot,
      region,
      ...(options.trackingUri ? { trackingUri: options.trackingUri, trackingSecrets: trackingSecretsIn(this.env) } : {}),
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
      await putTrackingSecrets(c.ssm, cfg, this.env);
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
      if ((job.status === 'running' || job.status === 'starting') && job.run) saveJob(this.home, endedJob(job, 'stopped'));
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

  async jobLogs(jobId: string, options: JobLogsOptions): Promise<void> {
    const job: AwsJobRecord = this.job(jobId);
    const cfg = this.config(job.dojoId);
    await this.guard(cfg, `dojo job logs ${jobId}`, async (c) => {
      const params = await this.deployedParams(c, cfg.id);
      const cluster = need(params, 'cluster', cfg.id);
      // A command job's log is its drivers': every replica line with its trial and rank.
      const container = job.command ? need(params, 'commandDriverContainer', cfg.id) : need(params, 'workerContainer', cfg.id);
      await readJobLogs(
        c.logs,
        {
          logGroup: need(params, 'logGroup', cfg.id),
          container,
          ...(job.command ? { streamPrefix: await driverStreamPrefix(c, params, cfg.id) } : {}),
          tasks: job.tasks ?? [],
          done: async () => (await runningTasks(c.ecs, cluster, jobId)).length === 0,
          pollMs: Math.min(this.wait.pollMs, 2000),
          sleep: (ms) => this.wait.sleep(ms),
        },
        options,
      );
    });
  }

  /** The tracking UI through an SSM port-forwarding session to the manager (CONFLICT while the manager is not running). */
  async ui(id: string, options: UiOptions): Promise<UiAccess> {
    const cfg = this.config(id);
    // An existing server is not on the manager: its UI answers at its own address.
    if (cfg.trackingUri) return { url: cfg.trackingUri, note: `the dojo uses the existing MLflow server ${cfg.trackingUri}` };
    return this.guard(cfg, `dojo ui ${id}`, async (c) => {
      const params = await this.deployedParams(c, id);
      const instanceId = published(params, 'managerInstanceId');
      if (!instanceId || params.status === DOJO_STATUS.deactivated) {
        throw new DojoError('CONFLICT', `the manager of ${id} is not running; run \`dojo activate ${id}\` first`);
      }
      const port = portsOf(params).tracking;
      const localPort = options.localPort ?? port;
      const missingTool = missingSessionTool(this.env);
      return {
        url: `http://localhost:${localPort}`,
        tunnel: {
          program: 'aws',
          args: portForwardArgs(instanceId, c.region, port, localPort),
          commandLine: portForwardCommand(instanceId, c.region, port, localPort),
          ...(missingTool ? { missingTool } : {}),
        },
      };
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

  /**
   * A command job's task definition (the user's image running the command). A built-in job runs the
   * bundled runtime only: `--image` without `--command` is refused (the image would need dojo inside).
   */
  protected override async prepareJob(cfg: DojoConfig, job: JobRecord): Promise<AwsJobRecord> {
    if (!job.command) {
      if (job.image !== 'bundled') {
        throw new DojoError('USAGE', `--image ${job.image}: on AWS an image runs your own command; add --command CMD (the built-in fare model runs in the bundled runtime image)`);
      }
      return job;
    }
    if (job.image === 'bundled') {
      throw new DojoError('USAGE', '--command on AWS needs --image IMG: the container image your command runs in (it needs nothing from dojo, only /bin/sh)');
    }
    const command = job.command;
    const taskDefinition = await this.guard(cfg, 'dojo job create', async (c) => {
      const params = await this.deployedParams(c, cfg.id);
      return registerCommandTaskDefinition(c.ecs, {
        dojoId: cfg.id,
        jobId: job.id,
        image: job.image,
        command: command.command,
        taskRole: need(params, 'commandTaskRole', cfg.id),
        executionRole: need(params, 'commandExecutionRole', cfg.id),
        logGroup: need(params, 'logGroup', cfg.id),
        region: c.region,
        gpus: gpusOf(params),
        workerTaskDefinition: need(params, 'workerTaskDefinition', cfg.id),
        workerContainer: need(params, 'workerContainer', cfg.id),
      });
    });
    return { ...job, taskDefinition };
  }

  protected override checkStart(_cfg: DojoConfig, job: JobRecord, options: StartJobOptions): void {
    checkAwsJobEnv(options.env);
    if (job.command) graceOf(options.env);
  }

  /** Runs one trial driver of a command job on the manager (`dojo job drive --provider aws`, a task started by `job start`). */
  async driveCommandJob(_dojoDir: string, env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, signal: AbortSignal): Promise<DriveSummary> {
    const { driveAws } = await import('./drive');
    return driveAws(env, log, signal);
  }

  protected override pause(ms: number): Promise<void> {
    return this.wait.sleep(ms);
  }

  // The manager's HPO service through one SSM tunnel (or the injected service access) for the whole call.
  protected withActiveDojo<T>(cfg: DojoConfig, doing: string, fn: (d: ActiveDojo) => Promise<T>): Promise<T> {
    const id = cfg.id;
    return this.guard(cfg, doing, async (c) => {
      const params = await this.deployedParams(c, id);
      const instanceId = published(params, 'managerInstanceId');
      if (params.status !== DOJO_STATUS.active || !instanceId) {
        throw new DojoError('UNAVAILABLE', `dojo ${id} is not active; run \`dojo activate ${id}\` first`);
      }
      const address = published(params, 'managerAddress');
      if (!address) throw new DojoError('UNAVAILABLE', `the manager of ${id} has not started yet; run \`dojo activate ${id}\` and wait for it`);
      const ports = portsOf(params);
      const cluster = need(params, 'cluster', id);
      const endpoint = await this.openService({ dojoId: id, region: c.region, instanceId, port: ports.hpo });
      try {
        const { HpoClient } = await import('../../hpo/client');
        // An existing MLflow server is reached at its own URI; its credentials are the task definition's secrets.
        const workers = { trackingUri: cfg.trackingUri ?? `http://${address}:${ports.tracking}`, hpoUri: `http://${address}:${ports.hpo}` };
        return await fn({
          hpo: new HpoClient(endpoint.uri),
          workers,
          trackingUri: workers.trackingUri,
          launch: async (job, workers, record, progress) => {
            if (job.command) return launchDrivers({ clients: c, params, dojoId: id, job, drivers: workers, record, progress, wait: this.wait });
            const capacityProvider = need(params, 'workerCapacityProvider', id);
            const own: AwsJobRecord = job;
            const taskDefinition = own.taskDefinition ?? need(params, 'workerTaskDefinition', id);
            let rec: AwsJobRecord = { ...job, taskDefinition, tasks: [] };
            record(rec);
            const spec = { cluster, taskDefinition, capacityProvider, container: need(params, 'workerContainer', id), dojoId: id, jobId: job.id, region: c.region };
            await scaleOutForJob({ clients: c, cluster, workerAsg: need(params, 'workerAsg', id), tasks: workers.length, progress, wait: this.wait });
            // Counted from the launch: the replicas wait this long for instances still booting and image pulls.
            const deadline = String(Date.now() + JOB_RENDEZVOUS_WINDOW_MS);
            const withDeadline = workers.map((w) => ({ ...w, env: { ...w.env, [WORKER_ENV.rendezvousDeadline]: deadline } }));
            const tasks = await runJobTasks(c.ecs, spec, withDeadline, (t) => {
              rec = { ...rec, tasks: [...(rec.tasks ?? []), t] };
              record(rec);
            });
            progress(`started ${tasks.length} ECS task(s) for ${job.id} on ${capacityProvider}`);
          },
          // A command job's workers are its drivers (its replicas come and go with the trials).
          aliveWorkers: async (job) => (await runningTasks(c.ecs, cluster, job.id)).filter((t) => !job.command || isDriverTask(job.id, t.group)).length,
        });
      } finally {
        await endpoint.close();
      }
    });
  }

  protected async endWorkers(cfg: DojoConfig, job: JobRecord, reason: string, progress: ProgressFn): Promise<void> {
    await this.guard(cfg, reason, async (c) => {
      const params = await readDojoParams(c.ssm, cfg.id);
      // A start being undone also names the tasks it just started (see stopJobTasks).
      const known = job.status === 'starting' ? ((job as AwsJobRecord).tasks ?? []).map((t) => t.arn) : [];
      if (!params?.cluster) return;
      await stopJobTasks(c, params.cluster, job.id, reason, progress, known);
      // A driver that was starting a replica while it was stopped: whatever it started is stopped too.
      if (job.command) await stopJobTasks(c, params.cluster, job.id, reason, progress);
    });
  }

  private async deployedParams(c: AwsClients, id: string): Promise<DojoParams> {
    const params = await readDojoParams(c.ssm, id);
    if (!params) throw new DojoError('CONFLICT', `dojo ${id} is not deployed in ${c.region}; run \`dojo activate ${id}\` first`);
    return params;
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
