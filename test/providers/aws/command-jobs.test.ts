// Command jobs on the AWS provider against the mocked SDK: the task definition `job create`
// registers (the user's container and the result file's follower sharing a volume), the refusals,
// and `job start` / `job stop` of the trial drivers on the manager.
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTagsForResourceCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand, ListTasksCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HpoClient } from '../../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../../lib/hpo/service';
import { DojoError } from '../../../lib/errors';
import { jobTags, type AwsJobRecord } from '../../../lib/providers/aws/jobs';
import { listJobRecords, loadJob } from '../../../lib/providers/state';
import type { HpoSettings } from '../../../lib/providers/provider';
import { DOJO_ID, REGION, RecordingDeployer, awsMocks, params, provider, tempHome } from './harness';

const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
let hpo: HpoServiceHandle;
beforeEach(async () => {
  mocks.reset();
  t = tempHome();
  hpo = await startHpoService({ dbFile: join(t.home, 'hpo.db'), log: () => undefined });
  mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params() });
});
afterEach(async () => {
  await hpo.close();
  t.cleanup();
});
afterAll(() => mocks.restore());

const p = () => provider(t.home, new RecordingDeployer(), { openService: async () => ({ uri: hpo.url, close: async () => undefined }) });
const WORKER_TD = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:1';
const CMD_TD = `arn:aws:ecs:eu-west-1:111122223333:task-definition/dojo-${DOJO_ID}-cmd-x:1`;
const workdir = mkdtempSync(join(tmpdir(), 'dojo-cmd-'));
const command = { command: 'python train.py --epochs 3', workdir };
const settings: HpoSettings = {
  space: { lr: { type: 'float', low: 0.001, high: 0.1, log: true } },
  spaceFile: 'space.json',
  numRuns: 4,
  parallel: 2,
  sampler: 'random',
  pruner: 'none',
  seed: 7,
  metric: 'loss',
  direction: 'minimize',
};
const ENV = { DOJO_TRAIN_GLOB: 's3://dojo-bucket-x/data/taxi/train/*.csv', LR_SCHEDULE: 'cosine' };

function workerTd() {
  mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: WORKER_TD }).resolves({
    taskDefinition: {
      family: 'worker',
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:dojo.role == worker' }],
      containerDefinitions: [{ name: 'worker', image: 'asset:abc', cpu: 4096, memoryReservation: 2048 }],
    },
  });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: CMD_TD } });
}

describe('job create --image --command', () => {
  it('registers the command job\'s task definition: the user\'s image and command, the command roles, host networking, one task per worker, logs, no GPU on a CPU type, the result file\'s follower', async () => {
    workerTd();
    const job = await p().createJob(DOJO_ID, { image: 'ghcr.io/me/train:1', command });
    const logs = { logDriver: 'awslogs', options: { 'awslogs-group': 'dojo-dojo-0123abcd-Logs-abc', 'awslogs-region': REGION, 'awslogs-stream-prefix': job.id } };
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input)).toEqual([
      {
        family: `dojo-${DOJO_ID}-cmd-${job.id}`,
        taskRoleArn: 'arn:aws:iam::111122223333:role/dojo-cmd-task',
        executionRoleArn: 'arn:aws:iam::111122223333:role/dojo-cmd-exec',
        networkMode: 'host',
        requiresCompatibilities: ['EC2'],
        placementConstraints: [{ type: 'memberOf', expression: 'attribute:dojo.role == worker' }],
        containerDefinitions: [
          {
            name: 'replica',
            image: 'ghcr.io/me/train:1',
            command: ['/bin/sh', '-c', 'python train.py --epochs 3'],
            essential: true,
            cpu: 4096,
            // The follower's 64 MiB come out of the replica's share: the task still fits one worker.
            memoryReservation: 2048 - 64,
            stopTimeout: 10,
            logConfiguration: logs,
            environment: [{ name: 'DOJO_RESULT_FILE', value: '/dojo-results/result.jsonl' }],
            mountPoints: [{ sourceVolume: 'dojo-results', containerPath: '/dojo-results', readOnly: false }],
            dependsOn: [{ containerName: 'results', condition: 'START' }],
          },
          {
            // dojo's runtime image (the workers'), its entry point `node /app/dojo.mjs`.
            name: 'results',
            image: 'asset:abc',
            command: ['job', 'follow-results', '--file', '/dojo-results/result.jsonl'],
            essential: false,
            memoryReservation: 64,
            stopTimeout: 10,
            mountPoints: [{ sourceVolume: 'dojo-results', containerPath: '/dojo-results', readOnly: true }],
            logConfiguration: logs,
          },
        ],
        volumes: [
          { name: 'dojo-results', dockerVolumeConfiguration: { scope: 'task', driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=16m,mode=1777' } } },
        ],
        tags: [
          { key: 'dojo:id', value: DOJO_ID },
          { key: 'dojo:job', value: job.id },
        ],
      },
    ]);
    expect(job).toMatchObject({ kind: 'command', image: 'ghcr.io/me/train:1', taskDefinition: CMD_TD, status: 'created' });
  });

  it('reserves the worker type\'s GPUs when workers/gpus > 0', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ workerGpus: '4' }) });
    workerTd();
    await p().createJob(DOJO_ID, { image: 'ghcr.io/me/train:1', command });
    const [c, follower] = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.containerDefinitions!;
    expect(c!.resourceRequirements).toEqual([{ type: 'GPU', value: '4' }]);
    expect(follower!.resourceRequirements).toBeUndefined();
  });

  it('gives the replicas the MLflow auth variables of a dojo on an existing server as the worker\'s ECS secrets', async () => {
    const secrets = [{ name: 'MLFLOW_TRACKING_TOKEN', valueFrom: `arn:aws:ssm:${REGION}:111122223333:parameter/dojo-cli/${DOJO_ID}/tracking/MLFLOW_TRACKING_TOKEN` }];
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: WORKER_TD }).resolves({
      taskDefinition: { family: 'worker', containerDefinitions: [{ name: 'worker', image: 'asset:abc', cpu: 4096, memoryReservation: 2048, secrets }] },
    });
    mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: CMD_TD } });
    await p().createJob(DOJO_ID, { image: 'ghcr.io/me/train:1', command });
    const c = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.containerDefinitions![0]!;
    expect(c.secrets).toEqual(secrets);
    expect(c.environment).toEqual([{ name: 'DOJO_RESULT_FILE', value: '/dojo-results/result.jsonl' }]);
  });

  it('refuses --image without --command and --command without --image, registering and recording nothing', async () => {
    workerTd();
    const refused = async (o: Parameters<ReturnType<typeof p>['createJob']>[1]) => {
      const e = await p().createJob(DOJO_ID, o).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(DojoError);
      expect((e as DojoError).code).toBe('USAGE');
      return (e as Error).message;
    };
    expect(await refused({ image: 'ghcr.io/me/train:1' })).toBe('--image ghcr.io/me/train:1: on AWS an image runs your own command; add --command CMD (the built-in fare model runs in the bundled runtime image)');
    expect(await refused({ command })).toMatch(/^--command on AWS needs --image IMG/);
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(mocks.ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(0);
    expect(listJobRecords(t.home, DOJO_ID)).toEqual([]);
  });
});

describe('job start / stop of a command job', () => {
  async function created(stopTimeout = 10, follower = true) {
    workerTd();
    const prov = p();
    const job = await prov.createJob(DOJO_ID, { image: 'ghcr.io/me/train:1', command });
    await prov.enableHpo(job.id, settings);
    const containers = [{ name: 'replica', image: 'ghcr.io/me/train:1', stopTimeout }, ...(follower ? [{ name: 'results', image: 'asset:abc', essential: false }] : [])];
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: CMD_TD }).resolves({
      taskDefinition: { family: `dojo-${DOJO_ID}-cmd-${job.id}`, networkMode: 'host', containerDefinitions: containers, volumes: [{ name: 'dojo-results' }] },
    });
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/d${n++}` }] }));
    return { prov, job };
  }

  it('runs one driver per --parallel slot on the manager with the drive settings, where its replicas go, and the user\'s -e environment', async () => {
    const { prov, job } = await created();
    await prov.startJob(job.id, { replicas: 2, env: ENV });
    const studyId = String((await new HpoClient(hpo.url).listStudies())[0]!.id);
    const calls = mocks.ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    calls.forEach((call, g) => {
      expect(call).toMatchObject({
        cluster: 'dojo-cluster-X',
        taskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/driver:1',
        capacityProviderStrategy: [{ capacityProvider: 'mgr-cp', weight: 1, base: 0 }],
        startedBy: job.id,
        group: `${job.id}-g${g}`,
      });
      const o = call.overrides!.containerOverrides![0]!;
      expect(o.name).toBe('driver');
      expect(o.command).toEqual(['job', 'drive', '--job', job.id, '--group', String(g), '--provider', 'aws']);
      const env = Object.fromEntries(o.environment!.map((e) => [e.name!, e.value!]));
      expect(env).toMatchObject({ DOJO_STUDY: studyId, DOJO_REPLICAS: '2', DOJO_WORKER_GROUP: String(g), DOJO_METRIC: 'loss', DOJO_HPO_URI: 'http://10.0.0.10:5002', DOJO_TRACKING_URI: 'http://10.0.0.10:5001' });
      expect(JSON.parse(env.DOJO_COMMAND_JOB!)).toEqual(command);
      expect(JSON.parse(env.DOJO_REPLICA_BASE_ENV!)).toEqual(ENV);
      expect(JSON.parse(env.DOJO_ECS_REPLICAS!)).toEqual({
        dojoId: DOJO_ID,
        jobId: job.id,
        group: g,
        region: REGION,
        cluster: 'dojo-cluster-X',
        capacityProvider: 'wrk-cp',
        taskDefinition: CMD_TD,
        container: 'replica',
        logGroup: 'dojo-dojo-0123abcd-Logs-abc',
        streamPrefix: job.id,
        masterPort: 29500,
      });
    });
    const saved = loadJob(t.home, job.id) as AwsJobRecord;
    expect(saved).toMatchObject({ status: 'running', taskDefinition: CMD_TD });
    expect(saved.tasks?.map((x) => x.group)).toEqual([0, 1]);
  });

  it('gives the replicas ECS\'s SIGKILL delay from -e DOJO_STOP_GRACE_MS (a new revision), and refuses one ECS cannot honour', async () => {
    const { prov, job } = await created();
    const NEXT = `${CMD_TD.slice(0, -2)}:2`;
    mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
    await expect(prov.startJob(job.id, { replicas: 1, env: { ...ENV, DOJO_STOP_GRACE_MS: '121000' } })).rejects.toThrow(/DOJO_STOP_GRACE_MS 121000: on AWS a whole number of ms up to 120000/);
    expect(mocks.ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    await prov.startJob(job.id, { replicas: 1, env: { ...ENV, DOJO_STOP_GRACE_MS: '30000' } });
    const reg = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
    expect(reg).toHaveLength(2);
    expect(reg[1]!.containerDefinitions![0]!.stopTimeout).toBe(30);
    expect(reg[1]!.containerDefinitions![1]).toEqual({ name: 'results', image: 'asset:abc', essential: false });
    expect(reg[1]!.volumes).toEqual([{ name: 'dojo-results' }]);
    const spec = mocks.ecs.commandCalls(RunTaskCommand)[0]!.args[0].input.overrides!.containerOverrides![0]!.environment!.find((e) => e.name === 'DOJO_ECS_REPLICAS')!.value!;
    expect(JSON.parse(spec).taskDefinition).toBe(NEXT);
  });

  it('refuses to start a job whose task definition predates the result file\'s follower, starting nothing', async () => {
    const { prov, job } = await created(10, false);
    await expect(prov.startJob(job.id, { replicas: 1, env: ENV })).rejects.toThrow(/has no result file follower \("results"\): it predates DOJO_RESULT_FILE on AWS; create the job again/);
    expect(mocks.ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('job stop stops the drivers and every replica task of the job; progress counts only the drivers', async () => {
    const { prov, job } = await created();
    await prov.startJob(job.id, { replicas: 2, env: ENV });
    const tasks = [
      { taskArn: 'arn:t/d0', group: `${job.id}-g0`, startedBy: job.id },
      { taskArn: 'arn:t/d1', group: `${job.id}-g1`, startedBy: job.id },
      { taskArn: 'arn:t/r0', group: `${job.id}-g0-t0`, startedBy: job.id },
      { taskArn: 'arn:t/r1', group: `${job.id}-g0-t0`, startedBy: job.id },
    ];
    const stopped = new Set<string>();
    mocks.ecs.on(ListTasksCommand).callsFake(() => ({ taskArns: tasks.map((x) => x.taskArn).filter((a) => !stopped.has(a)) }));
    mocks.ecs.on(DescribeTasksCommand).callsFake((i: { tasks: string[] }) => ({ tasks: tasks.filter((x) => i.tasks.includes(x.taskArn)) }));
    mocks.ecs.on(StopTaskCommand).callsFake((i: { task: string }) => {
      stopped.add(i.task);
      return {};
    });
    const progress = await prov.jobProgress(job.id);
    expect(progress.workersAlive).toBe(2);
    const info = await prov.stopJob(job.id);
    expect([...stopped].sort()).toEqual(['arn:t/d0', 'arn:t/d1', 'arn:t/r0', 'arn:t/r1']);
    expect(info.status).toBe('stopped');
  });
});

describe('rm', () => {
  it('deregisters and deletes the dojo\'s command job task definitions', async () => {
    mocks.ecs.on(ListTaskDefinitionFamiliesCommand, { familyPrefix: `dojo-${DOJO_ID}-cmd-` }).resolves({ families: [`dojo-${DOJO_ID}-cmd-x`] });
    mocks.ecs.on(ListTaskDefinitionsCommand, { familyPrefix: `dojo-${DOJO_ID}-cmd-x` }).resolves({ taskDefinitionArns: [CMD_TD] });
    mocks.ecs.on(ListTagsForResourceCommand, { resourceArn: CMD_TD }).resolves({ tags: jobTags(DOJO_ID, 'x') });
    await p().remove(DOJO_ID);
    expect(mocks.ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([CMD_TD]);
    expect(mocks.ecs.commandCalls(DeleteTaskDefinitionsCommand).map((c) => c.args[0].input.taskDefinitions)).toEqual([[CMD_TD]]);
  });
});
