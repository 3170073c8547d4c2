// The AWS path end to end against an emulated account (moto's server on 127.0.0.1): the built CLI
// drives the real provider code and deploys, with toolkit-lib, the same assembly `npx cdk synth`
// makes; every step is checked against what moto holds afterwards, never against stack status
// alone (moto can call a stack complete whose resources failed).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateVolumeCommand, DeleteVolumeCommand, DescribeAddressesCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { BatchGetImageCommand } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand, DescribeContainerInstancesCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ListContainerInstancesCommand,
  DeregisterTaskDefinitionCommand, ListServicesCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, StopTaskCommand, type Task,
} from '@aws-sdk/client-ecs';
import { GetBucketPolicyCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand, GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../lib/hpo/service';
import { replicaEnv } from '../../lib/jobs/replica-env';
import { RESULT_END_MARKER } from '../../lib/jobs/result-follower';
import { createAwsClients } from '../../lib/providers/aws/clients';
import { driveAws } from '../../lib/providers/aws/drive';
import type { DriveSummary } from '../../lib/providers/jobs/driver/drive';
import { TrackingClient } from '../../lib/tracking/client';
import { startTrackingServer, type TrackingServerHandle } from '../../lib/tracking/server/server';
import { DOJO_TAG_KEY, dojoParameterName } from '../../lib/infra/parameters';
import { assetImageTags, dojoContext } from '../../lib/providers/aws/deploy';
import { readDojoParams, type DojoParams } from '../../lib/providers/aws/params';
import type { DojoConfig } from '../../lib/providers/provider';
import { ensureBuilt } from '../e2e/harness';
import { InstanceAgents } from './agent';
import { REGION, startEmulatedAws, type EmulatedAws } from './emulator';
import { AwsSteps } from './steps';

const run = promisify(execFile);

let aws: EmulatedAws;
let hpo: HpoServiceHandle;
let tracking: TrackingServerHandle;
let driving = new AbortController();
let driven: Promise<DriveSummary> | undefined;
const driverLog: string[] = [];
let steps: AwsSteps;
let agents: InstanceAgents | undefined;
let work: string;
let cfg: DojoConfig;
let params: DojoParams;
let imageTags: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'dojo-aws-emulated-'));
  aws = await startEmulatedAws();
  await aws.bootstrap();
  // The manager's HPO service as the CLI reaches it through its tunnel (DOJO_AWS_HPO_URI).
  hpo = await startHpoService({ dbFile: join(work, 'hpo.db'), log: () => undefined });
  // The manager's tracking server as the played command-job driver reaches it.
  tracking = await startTrackingServer({ storeDir: join(work, 'mlflow') });
  steps = new AwsSteps({ ...aws.env, DOJO_AWS_HPO_URI: hpo.url });
}, 180_000);

afterAll(async () => {
  await agents?.stop();
  driving.abort();
  await driven?.catch(() => undefined);
  steps?.dispose();
  await hpo?.close();
  await tracking?.close();
  await aws?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 600_000);

const c = () => aws.clients;
const tagFilter = () => ({ Name: `tag:${DOJO_TAG_KEY}`, Values: [cfg.id] });

async function liveInstances(): Promise<{ id: string; state: string }[]> {
  const r = await c().ec2.send(new DescribeInstancesCommand({ Filters: [tagFilter()] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).filter((i) => i.State?.Name !== 'terminated').map((i) => ({ id: i.InstanceId!, state: i.State!.Name! }));
}

async function jobTasks(job: string): Promise<Task[]> {
  const arns = (await c().ecs.send(new ListTasksCommand({ cluster: params.cluster, startedBy: job }))).taskArns ?? [];
  return arns.length ? ((await c().ecs.send(new DescribeTasksCommand({ cluster: params.cluster, tasks: arns, include: ['TAGS'] }))).tasks ?? []) : [];
}

/** The replica tasks of a command job's trial once the driver has started `count` of them (what there is after 120 s otherwise). */
const rankOf = (t: Task) => t.tags?.find((x) => x.key === 'dojo:rank')?.value;

/** The tasks of a trial of a job once one of each rank 0..count-1 is there (or what there is after 2 min). */
async function trialTasks(job: string, trial: number, count: number): Promise<Task[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const tasks = (await jobTasks(job)).filter((t) => t.group === undefined ? false : new RegExp(`-t${trial}$`).test(t.group));
    const ranks = new Set(tasks.map(rankOf));
    if (Array.from({ length: count }, (_, r) => String(r)).every((r) => ranks.has(r)) || Date.now() >= deadline) return tasks;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One line per task, for a failure message: rank, group, status. */
const describeTasks = (tasks: readonly Task[]) => tasks.map((t) => `rank ${rankOf(t)} group ${t.group} ${t.lastStatus} ${t.taskArn}`).join('\n');

async function asgs(): Promise<Record<'manager' | 'worker', { desired: number; instances: string[] }>> {
  const r = await c().asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [params.managerAsg!, params.workerAsg!] }));
  const of = (name: string) => {
    const g = r.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
    return { desired: g?.DesiredCapacity ?? -1, instances: (g?.Instances ?? []).map((i) => i.InstanceId!) };
  };
  return { manager: of(params.managerAsg!), worker: of(params.workerAsg!) };
}

async function serviceDesired(): Promise<number[]> {
  const r = await c().ecs.send(new DescribeServicesCommand({ cluster: params.cluster, services: [params.trackingService!, params.hpoService!] }));
  return (r.services ?? []).map((s) => s.desiredCount ?? -1);
}

describe('the AWS path against an emulated account', () => {
  it('init records the dojo in the account', async () => {
    cfg = await steps.init(REGION, 4);
    expect(cfg).toMatchObject({ provider: 'aws', region: REGION, maxWorkers: 4 });
    const p = await c().ssm.send(new GetParameterCommand({ Name: `/dojo-cli/${cfg.id}/config` }));
    expect(JSON.parse(p.Parameter!.Value!)).toMatchObject({ id: cfg.id, region: REGION });
  });

  it('activate without a container engine, with images to build, stops before deploying with the Docker line', async () => {
    // CDK_DOCKER names an engine that is not there, whatever this machine has.
    const r = await steps.run(['activate', cfg.id], { CDK_DOCKER: join(work, 'no-such-docker') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/dojo activate builds the dojo's container images .* with a local container engine, and `\S+ info` failed/);
    expect(r.stderr).toContain('set CDK_DOCKER=podman or CDK_DOCKER=finch');
    expect(r.stderr).toContain('built once per change of their sources');
    await expect(c().cfn.send(new DescribeStacksCommand({ StackName: `dojo-${cfg.id}` }))).rejects.toThrow(/does not exist/);
  }, 600_000);

  it('activate deploys the same assembly `npx cdk synth` makes and waits for the manager', async () => {
    // What a user gets from `npx cdk synth -c dojoId=ID ...` with the context the CLI passes.
    const out = join(work, 'cdk.out');
    const context = Object.entries(dojoContext(cfg)).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    await run(process.execPath, ['node_modules/aws-cdk/bin/cdk', 'synth', `dojo-${cfg.id}`, ...context, '-o', out, '-q'], { timeout: 600_000, maxBuffer: 64 << 20 });
    const synthesized = JSON.parse(readFileSync(join(out, `dojo-${cfg.id}.template.json`), 'utf8')) as Record<string, unknown>;
    imageTags = assetImageTags(out);
    expect(imageTags).toHaveLength(2);
    // No Docker on this machine: the images are in ECR already, so the CDK builds nothing.
    await aws.seedAssetImages(imageTags);
    agents = new InstanceAgents(c(), cfg.id);
    agents.start();

    const info = await steps.activate(cfg.id);
    expect(info.status).toBe('active');
    const deployed = await c().cfn.send(new GetTemplateCommand({ StackName: `dojo-${cfg.id}` }));
    expect(JSON.parse(deployed.TemplateBody!)).toEqual(synthesized);

    params = (await readDojoParams(c().ssm, cfg.id))!;
    for (const key of ['cluster', 'bucket', 'managerAsg', 'workerAsg', 'workerCapacityProvider', 'managerCapacityProvider', 'workerTaskDefinition', 'logGroup', 'trackingService', 'hpoService'] as const) {
      expect(params[key], key).toMatch(/\S/);
    }
    const cluster = (await c().ecs.send(new DescribeClustersCommand({ clusters: [params.cluster!] }))).clusters![0]!;
    expect(cluster.status).toBe('ACTIVE');
    expect([...(cluster.capacityProviders ?? [])].sort()).toEqual([params.managerCapacityProvider, params.workerCapacityProvider].sort());
    const groups = await asgs();
    expect(groups.manager).toMatchObject({ desired: 1 });
    expect(groups.manager.instances).toHaveLength(1);
    expect(groups.worker).toMatchObject({ desired: 0, instances: [] });
    expect((await liveInstances()).map((i) => i.id)).toEqual(groups.manager.instances);
    expect(await serviceDesired()).toEqual([1, 1]);
    expect(params.managerInstanceId).toBe(groups.manager.instances[0]);
    await c().s3.send(new HeadBucketCommand({ Bucket: params.bucket }));
    expect(JSON.parse((await c().s3.send(new GetBucketPolicyCommand({ Bucket: params.bucket }))).Policy!)).toMatchObject({ Statement: expect.arrayContaining([expect.objectContaining({ Effect: 'Deny' })]) });
    const logGroups = (await c().logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `dojo-${cfg.id}-` }))).logGroups ?? [];
    expect(logGroups.map((g) => g.logGroupName)).toContain(params.logGroup);
  }, 900_000);

  it('inspect reports the manager, its services and its address', async () => {
    const info = await steps.inspect(cfg.id);
    expect(info).toMatchObject({ status: 'active', managerIp: params.managerAddress, workers: 0 });
    expect(info.extra?.DOJO_CLUSTER).toBe(params.cluster);
    expect(info.extra?.DOJO_SERVICE_TRACKING).toBe('1/1 steady');
  }, 300_000);

  let globs: readonly string[] = [];
  it('data put uploads a folder to the bucket and prints its globs', async () => {
    const dir = join(work, 'taxi');
    for (const part of ['train', 'val']) {
      mkdirSync(join(dir, part), { recursive: true });
      writeFileSync(join(dir, part, 'part-0.csv'), 'fare,a,b,c,d,e,f,g,h\n1,2,3,4,5,6,7,8,9\n');
    }
    const r = await steps.dataPut(dir, cfg.id, 'taxi');
    expect(r.globs).toEqual([`s3://${params.bucket}/data/taxi/train/*.csv`, `s3://${params.bucket}/data/taxi/val/*.csv`]);
    const keys = ((await c().s3.send(new ListObjectsV2Command({ Bucket: params.bucket, Prefix: 'data/' }))).Contents ?? []).map((o) => o.Key);
    expect(keys.sort()).toEqual(['data/taxi/train/part-0.csv', 'data/taxi/val/part-0.csv']);
    expect(r).toMatchObject({ files: 2, prefix: 'data/taxi/' });
  }, 300_000);

  let jobId = '';
  it('job create, hpo enable and job start: the group scales out together and one task lands on each worker instance', async () => {
    // Data of its own, so that this step does not depend on the upload step.
    for (const part of ['train', 'val']) {
      await c().s3.send(new PutObjectCommand({ Bucket: params.bucket, Key: `data/job/${part}/part-0.csv`, Body: 'fare,a,b,c,d,e,f,g,h\n1,2,3,4,5,6,7,8,9\n' }));
    }
    globs = [`s3://${params.bucket}/data/job/train/*.csv`, `s3://${params.bucket}/data/job/val/*.csv`];
    jobId = (await steps.jobCreate(cfg.id)).id;
    await steps.hpoEnable(jobId, { lr: { type: 'float', low: 0.001, high: 0.1, log: true } }, 4, 2);
    const info = await steps.jobStart(jobId, 2, { DOJO_TRAIN_GLOB: globs[0]!, DOJO_VAL_GLOB: globs[1]! });
    expect(info.status).toBe('running');

    const groups = await asgs();
    expect(groups.worker.desired).toBe(4);
    const tasks = await jobTasks(jobId);
    expect(tasks).toHaveLength(4);
    expect(tasks.map((t) => t.desiredStatus)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    // One task per instance (the task reserves every vCPU), and only on worker instances.
    const instanceOf = new Map<string, string>();
    const cis = (await c().ecs.send(new ListContainerInstancesCommand({ cluster: params.cluster }))).containerInstanceArns ?? [];
    for (const ci of (await c().ecs.send(new DescribeContainerInstancesCommand({ cluster: params.cluster, containerInstances: cis }))).containerInstances ?? []) {
      instanceOf.set(ci.containerInstanceArn!, ci.ec2InstanceId!);
    }
    const hosts = tasks.map((t) => instanceOf.get(t.containerInstanceArn!));
    expect(new Set(hosts).size).toBe(4);
    expect([...hosts].sort()).toEqual([...groups.worker.instances].sort());
    const env = new Map((tasks[0]!.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name!, e.value!]));
    expect(env.get('DOJO_HPO_URI')).toBe(`http://${params.managerAddress}:5002`);
    expect(env.get('DOJO_TRAIN_GLOB')).toBe(globs[0]);
    expect(Number(env.get('DOJO_RENDEZVOUS_DEADLINE'))).toBeGreaterThan(Date.now());
    expect(tasks[0]!.tags).toEqual(expect.arrayContaining([{ key: DOJO_TAG_KEY, value: cfg.id }, { key: 'dojo:job', value: jobId }]));
  }, 600_000);

  it('job stop stops every task of the job', async () => {
    const info = await steps.jobStop(jobId);
    expect(info.status).toBe('stopped');
    const tasks = await jobTasks(jobId);
    expect(tasks.length).toBe(4);
    expect(tasks.every((t) => t.desiredStatus === 'STOPPED' || t.lastStatus === 'STOPPED')).toBe(true);
    const running = (await c().ecs.send(new ListTasksCommand({ cluster: params.cluster, startedBy: jobId, desiredStatus: 'RUNNING' }))).taskArns ?? [];
    expect(running).toEqual([]);
  }, 300_000);

  // A command job: the user's image and command as a task definition, the trial drivers on the
  // manager, and the driver's own RunTask calls (the driver container is played here by the real
  // driver code against moto, as agent.ts plays the ECS agents).
  const IMAGE = 'ghcr.io/example/trainer:1';
  const COMMAND = 'python3 train.py --epochs 3';
  let cmdJob = '';
  it('job create --image --command registers the task definition moto then holds (the user\'s container and the result file\'s follower on one volume); --image alone is refused with exit 2', async () => {
    const family = `dojo-${cfg.id}-cmd-`;
    const refused = await steps.run(['job', 'create', '--dojo', cfg.id, '--image', IMAGE]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`--image ${IMAGE}: on AWS an image runs your own command; add --command CMD`);
    expect((await c().ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }))).taskDefinitionArns ?? []).toEqual([]);

    const job = await steps.jobCreateCommand(cfg.id, IMAGE, COMMAND);
    cmdJob = job.id;
    const td = (await c().ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${family}${cmdJob}`, include: ['TAGS'] })));
    const d = td.taskDefinition!;
    expect(d.taskDefinitionArn).toBe((job as unknown as { taskDefinition: string }).taskDefinition);
    expect(d.taskRoleArn).toBe(params.commandTaskRole);
    expect(d.executionRoleArn).toBe(params.commandExecutionRole);
    expect(d.networkMode).toBe('host');
    expect(d.containerDefinitions).toHaveLength(2);
    const [container, follower] = d.containerDefinitions!;
    expect(container).toMatchObject({ name: 'replica', image: IMAGE, command: ['/bin/sh', '-c', COMMAND], essential: true });
    expect(container!.resourceRequirements ?? []).toEqual([]);
    expect(container!.logConfiguration?.options).toMatchObject({ 'awslogs-group': params.logGroup, 'awslogs-stream-prefix': cmdJob });
    expect(container!.environment).toEqual([{ name: 'DOJO_RESULT_FILE', value: '/dojo-results/result.jsonl' }]);
    expect(container!.mountPoints).toEqual([{ sourceVolume: 'dojo-results', containerPath: '/dojo-results', readOnly: false }]);
    // The follower: the workers' runtime image (the deployed asset), not essential, no GPU, its own stream in the job's group.
    const worker = (await c().ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: params.workerTaskDefinition }))).taskDefinition!;
    const runtimeImage = worker.containerDefinitions!.find((x) => x.name === params.workerContainer)!.image!;
    expect(follower).toMatchObject({ name: 'results', image: runtimeImage, essential: false, command: ['job', 'follow-results', '--file', '/dojo-results/result.jsonl'], memoryReservation: 64 });
    expect(follower!.resourceRequirements ?? []).toEqual([]);
    expect(follower!.mountPoints).toEqual([{ sourceVolume: 'dojo-results', containerPath: '/dojo-results', readOnly: true }]);
    expect(follower!.logConfiguration?.options).toMatchObject({ 'awslogs-group': params.logGroup, 'awslogs-stream-prefix': cmdJob });
    expect(d.volumes).toEqual([{ name: 'dojo-results', dockerVolumeConfiguration: { scope: 'task', driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=16m,mode=1777' } } }]);
    expect(td.tags).toEqual(expect.arrayContaining([{ key: DOJO_TAG_KEY, value: cfg.id }, { key: 'dojo:job', value: cmdJob }]));
  }, 300_000);

  it('hpo enable and job start: a driver task on the manager; the driver starts rank 0 first, then rank 1 with rank 0\'s address, each with the contract environment', async () => {
    await steps.hpoEnable(cmdJob, { lr: { type: 'float', low: 0.001, high: 0.1, log: true } }, 2, 1, 'loss');
    const info = await steps.jobStart(cmdJob, 2, { DOJO_TRAIN_GLOB: globs[0]!, EPOCHS: '3' });
    expect(info.status).toBe('running');
    const drivers = await jobTasks(cmdJob);
    expect(drivers).toHaveLength(1);
    const driver = drivers[0]!;
    const ci = (await c().ecs.send(new DescribeContainerInstancesCommand({ cluster: params.cluster, containerInstances: [driver.containerInstanceArn!] }))).containerInstances![0]!;
    expect(ci.ec2InstanceId).toBe(params.managerInstanceId);
    const override = driver.overrides!.containerOverrides![0]!;
    expect(override.name).toBe(params.commandDriverContainer);
    expect(override.command).toEqual(['job', 'drive', '--job', cmdJob, '--group', '0', '--provider', 'aws']);

    // The driver container, played: the real driver with the task's environment, the manager's
    // services at this suite's addresses, and its own ECS client whose RunTask calls are recorded.
    const env: Record<string, string> = Object.fromEntries(override.environment!.map((e) => [e.name!, e.value!]));
    env.DOJO_HPO_URI = hpo.url;
    env.DOJO_TRACKING_URI = tracking.url;
    const clients = createAwsClients({ region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const calls: string[] = [];
    // Attempts (below the SDK's retries): a RunTask retried after a lost answer may have started a task twice in moto, which ignores clientToken.
    const attempts: string[] = [];
    clients.ecs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'RunTaskCommand') attempts.push(`RunTask rank ${(args.input as { tags?: { key?: string; value?: string }[] }).tags?.find((x) => x.key === 'dojo:rank')?.value}`);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordAttempts', priority: 'low' },
    );
    clients.ecs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { tags?: { key?: string; value?: string }[] };
        const out = await next(args);
        if (context.commandName === 'RunTaskCommand') calls.push(`RunTask rank ${input.tags?.find((x) => x.key === 'dojo:rank')?.value}`);
        if (context.commandName === 'DescribeContainerInstancesCommand') calls.push('DescribeContainerInstances');
        return out;
      },
      { step: 'initialize', name: 'recordCalls' },
    );
    driving = new AbortController();
    driven = driveAws(env, (l) => driverLog.push(l), driving.signal, { clients, launcher: { pollMs: 200 }, pollMs: 200 });
    const replicas = await trialTasks(cmdJob, 0, 2);
    const why = () => `tasks:\n${describeTasks(replicas)}\nRunTask attempts: ${attempts.join(', ')}\ndriver:\n${driverLog.join('\n')}`;
    expect(replicas, why()).toHaveLength(2);
    // The driver records a call once its answer is back, which may come after moto shows the task.
    for (const deadline = Date.now() + 60_000; calls.length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    expect(calls.slice(0, 3), why()).toEqual(['RunTask rank 0', 'DescribeContainerInstances', 'RunTask rank 1']);
    const [r0, r1] = [replicas.find((t) => rankOf(t) === '0')!, replicas.find((t) => rankOf(t) === '1')!];
    const hostOf = async (t: Task) => {
      const id = (await c().ecs.send(new DescribeContainerInstancesCommand({ cluster: params.cluster, containerInstances: [t.containerInstanceArn!] }))).containerInstances![0]!.ec2InstanceId!;
      const i = (await c().ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
      return { id, ip: i.PrivateIpAddress! };
    };
    const h0 = await hostOf(r0);
    expect(h0.id).not.toBe(params.managerInstanceId);
    const envOf = (t: Task) => Object.fromEntries(t.overrides!.containerOverrides![0]!.environment!.map((e) => [e.name!, e.value!]));
    const study = (await new HpoClient(hpo.url).listStudies()).find((x) => x.name === cmdJob)!;
    const trial = (await new HpoClient(hpo.url).getStudy(String(study.id))).trials.find((x) => x.number === 0)!;
    const run = (await new TrackingClient(tracking.url).searchRuns({ experimentIds: [await new TrackingClient(tracking.url).getOrCreateExperiment(cmdJob)] })).runs[0]!;
    const contract = (rank: number, masterAddr: string) =>
      replicaEnv(
        { DOJO_TRAIN_GLOB: globs[0]!, EPOCHS: '3', AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION },
        { jobId: cmdJob, studyId: String(study.id), number: 0, params: trial.params, metric: 'loss', resultFile: '/dojo-results/result.jsonl', trackingUri: tracking.url, experimentId: run.info.experiment_id, runId: run.info.run_id },
        { rank, worldSize: 2, localRank: 0, localWorldSize: 1, masterAddr, masterPort: 29500 },
      );
    expect(envOf(r0)).toEqual(contract(0, '127.0.0.1'));
    expect(envOf(r1)).toEqual(contract(1, h0.ip));
    expect(r1.overrides!.containerOverrides![0]!.command).toEqual(['/bin/sh', '-c', COMMAND]);
    trial0 = { replicas: [r0, r1], runId: run.info.run_id };
  }, 600_000);

  let trial0: { replicas: Task[]; runId: string } = { replicas: [], runId: '' };
  it('the played driver takes trial 0\'s value from the result lines its followers put in their streams (as awslogs would), then runs trial 1', async () => {
    // Each replica's follower wrote its result file's lines and the end marker to `<job>/results/<task id>`.
    const put = async (t: Task, lines: string[]) => {
      const stream = `${cmdJob}/results/${t.taskArn!.split('/').pop()}`;
      await c().logs.send(new CreateLogStreamCommand({ logGroupName: params.logGroup, logStreamName: stream }));
      const now = Date.now();
      await c().logs.send(new PutLogEventsCommand({ logGroupName: params.logGroup, logStreamName: stream, logEvents: lines.map((message, i) => ({ message, timestamp: now + i })) }));
    };
    await put(trial0.replicas[0]!, ['{"step": 0, "value": 0.8}', '{"step": 1, "value": 0.6}', '{"value": 0.55}', RESULT_END_MARKER]);
    await put(trial0.replicas[1]!, [RESULT_END_MARKER]);
    // The replicas' containers exit 0 (moto's task holds exit code 0 for the first container).
    for (const t of trial0.replicas) await c().ecs.send(new StopTaskCommand({ cluster: params.cluster, task: t.taskArn!, reason: 'Essential container in task exited' }));
    const study = (await new HpoClient(hpo.url).listStudies()).find((x) => x.name === cmdJob)!;
    const deadline = Date.now() + 120_000;
    let t0 = (await new HpoClient(hpo.url).getStudy(String(study.id))).trials.find((x) => x.number === 0)!;
    while (t0.state === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      t0 = (await new HpoClient(hpo.url).getStudy(String(study.id))).trials.find((x) => x.number === 0)!;
    }
    expect(t0, driverLog.join('\n')).toMatchObject({ state: 'complete', value: 0.55, intermediate: { 0: 0.8, 1: 0.6 } });
    const history = await new TrackingClient(tracking.url).getMetricHistory(trial0.runId, 'loss');
    expect(history.map((m) => [m.step, m.value])).toEqual([[0, 0.8], [1, 0.6]]);
    // The result lines are not the replicas' output in the job's log.
    expect(driverLog.filter((l) => l.includes('"value"'))).toEqual([]);
    // The driver goes on with trial 1: both its replicas are started before the next step stops them.
    expect(await trialTasks(cmdJob, 1, 2), driverLog.join('\n')).toHaveLength(2);
  }, 300_000);

  it('job stop leaves no task of the command job running', async () => {
    // The played driver gets the SIGTERM its task gets from `job stop` first (else, seeing its
    // replicas stopped under it, it would fail the trial and ask for the next): it stops its
    // trial's replicas and ends; `job stop` then finds and stops whatever of the job still runs.
    driving.abort(new Error('stopped by SIGTERM (dojo job stop)'));
    const summary = await driven;
    expect(summary, driverLog.join('\n')).toMatchObject({ trials: 2, complete: 1, failed: 1 });
    const info = await steps.jobStop(cmdJob);
    expect(info.status).toBe('stopped');
    const running = (await c().ecs.send(new ListTasksCommand({ cluster: params.cluster, startedBy: cmdJob, desiredStatus: 'RUNNING' }))).taskArns ?? [];
    expect(running).toEqual([]);
    expect((await jobTasks(cmdJob)).length).toBe(5);
  }, 300_000);

  it('deactivate brings compute to zero and keeps the data', async () => {
    const info = await steps.deactivate(cfg.id);
    expect(info.status).toBe('inactive');
    const groups = await asgs();
    expect(groups.manager).toEqual({ desired: 0, instances: [] });
    expect(groups.worker).toEqual({ desired: 0, instances: [] });
    expect(await liveInstances()).toEqual([]);
    expect(await serviceDesired()).toEqual([0, 0]);
    expect((await c().ssm.send(new GetParameterCommand({ Name: dojoParameterName(cfg.id, 'status') }))).Parameter?.Value).toBe('deactivated');
    await c().s3.send(new HeadBucketCommand({ Bucket: params.bucket }));
    const volumes = (await c().ec2.send(new DescribeVolumesCommand({ VolumeIds: [params.managerVolume!] }))).Volumes ?? [];
    expect(volumes).toHaveLength(1);
  }, 600_000);

  it('activate again brings the manager back on the same stack', async () => {
    const info = await steps.activate(cfg.id);
    expect(info.status).toBe('active');
    const groups = await asgs();
    expect(groups.manager.instances).toHaveLength(1);
    expect(await serviceDesired()).toEqual([1, 1]);
    const now = (await readDojoParams(c().ssm, cfg.id))!;
    expect(now.status).toBe('active');
    expect(now.managerInstanceId).toBe(groups.manager.instances[0]);
  }, 600_000);

  it('rm reports a planted leftover (an unattached volume) and exits 1', async () => {
    const vol = await c().ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: DOJO_TAG_KEY, Value: cfg.id }] }] }),
    );
    const r = await steps.run(['rm', cfg.id, '--yes']);
    expect(r.code, `${r.stderr}\nmoto: ${aws.log().slice(-3000)}`).toBe(1);
    expect(r.stdout).toContain(`EBS volume ${vol.VolumeId} (available, 8 GiB)`);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    // The stack is gone with what it made, the manager's data volume too (the plugin deletes it for
    // CloudFormation: untagged in moto, no scan would find it), while the planted volume is still there.
    await expect(c().cfn.send(new DescribeStacksCommand({ StackName: `dojo-${cfg.id}` }))).rejects.toThrow(/does not exist/);
    const left = ((await c().ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []).map((v) => v.VolumeId);
    expect(left).not.toContain(params.managerVolume);
    expect(left).toContain(vol.VolumeId);
    const clusters = (await c().ecs.send(new DescribeClustersCommand({ clusters: [params.cluster!] }))).clusters ?? [];
    expect(clusters.filter((x) => x.status === 'ACTIVE')).toEqual([]);
    await c().ec2.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId }));
  }, 900_000);

  it('rm ends with "0 billable resources remain" and moto holds nothing of the dojo, and nothing of a dojo whose name starts with its name', async () => {
    await agents?.stop();
    // Another dojo's log group and command job task definition, under this dojo's name prefixes.
    const other = `${cfg.id}-cmd-x`;
    const otherGroup = `dojo-${other}-Logs8A1B2C3D-QW3E5R7T9Y`;
    await c().logs.send(new CreateLogGroupCommand({ logGroupName: otherGroup }));
    const otherFamily = `dojo-${other}-cmd-j1`;
    await c().ecs.send(new RegisterTaskDefinitionCommand({ family: otherFamily, containerDefinitions: [{ name: 'replica', image: 'busybox', memory: 64 }], tags: [{ key: DOJO_TAG_KEY, value: other }] }));
    const r = await steps.run(['rm', cfg.id, '--yes']);
    expect(r.code, `${r.stdout}\n${r.stderr}\nmoto: ${aws.log().slice(-3000)}`).toBe(0);
    expect(r.stdout).toContain('0 billable resources remain');

    await expect(c().cfn.send(new DescribeStacksCommand({ StackName: `dojo-${cfg.id}` }))).rejects.toThrow(/does not exist/);
    expect(await liveInstances()).toEqual([]);
    expect((await c().ec2.send(new DescribeVolumesCommand({ Filters: [tagFilter()] }))).Volumes ?? []).toEqual([]);
    expect((await c().ec2.send(new DescribeVolumesCommand({}))).Volumes?.filter((v) => v.VolumeId === params.managerVolume)).toEqual([]);
    expect((await c().ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [tagFilter()] }))).NetworkInterfaces ?? []).toEqual([]);
    expect((await c().ec2.send(new DescribeAddressesCommand({ Filters: [tagFilter()] }))).Addresses ?? []).toEqual([]);
    const clusters = (await c().ecs.send(new DescribeClustersCommand({ clusters: [params.cluster!] }))).clusters ?? [];
    expect(clusters.filter((x) => x.status === 'ACTIVE')).toEqual([]);
    const services = await c().ecs.send(new ListServicesCommand({ cluster: params.cluster })).then((x) => x.serviceArns ?? [], () => []);
    expect(services).toEqual([]);
    const tasks = await c().ecs.send(new ListTasksCommand({ cluster: params.cluster, desiredStatus: 'RUNNING' })).then((x) => x.taskArns ?? [], () => []);
    expect(tasks).toEqual([]);
    expect((await c().ssm.send(new GetParametersByPathCommand({ Path: `/dojo/${cfg.id}/`, Recursive: true }))).Parameters ?? []).toEqual([]);
    await expect(c().ssm.send(new GetParameterCommand({ Name: `/dojo-cli/${cfg.id}/config` }))).rejects.toThrow();
    expect(((await c().logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `dojo-${cfg.id}-` }))).logGroups ?? []).map((g) => g.logGroupName)).toEqual([otherGroup]);
    await expect(c().s3.send(new HeadBucketCommand({ Bucket: params.bucket }))).rejects.toThrow();
    // ListTaskDefinitions takes a whole family name (in moto too): the families come by prefix.
    const families = (await c().ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: `dojo-${cfg.id}-` }))).families ?? [];
    expect(families).toContain(otherFamily);
    expect(families.length).toBeGreaterThan(1);
    const defs: string[] = [];
    for (const family of families) defs.push(...((await c().ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }))).taskDefinitionArns ?? []));
    expect(defs.map((a) => a.split('/').pop())).toEqual([`${otherFamily}:1`]);
    await c().ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: defs[0]! }));
    await c().logs.send(new DeleteLogGroupCommand({ logGroupName: otherGroup }));
    const repo = `cdk-hnb659fds-container-assets-123456789012-${REGION}`;
    const images = await c().ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: imageTags.map((imageTag) => ({ imageTag })) }));
    expect(images.images ?? []).toEqual([]);
  }, 900_000);
});
