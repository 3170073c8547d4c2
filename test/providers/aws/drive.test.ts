// The AWS trial driver's pieces: what it reads from its task's environment, and one trial run by the
// shared driver over the ECS launcher (mocked SDK, a real tracking server): a failed replica's log
// stream lines become the run's stderr tail, and a command that reports nothing is told that AWS
// gives no result file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../lib/providers/aws/clients';
import { ecsSpecFromEnv } from '../../../lib/providers/aws/command-jobs';
import { awsReplicaBaseEnv } from '../../../lib/providers/aws/drive';
import { AWS_RESULT_FILE_NOTE, EcsReplicaLauncher, type EcsReplicaSpec } from '../../../lib/providers/aws/replicas';
import { TRIAL_TAGS, runCommandTrial } from '../../../lib/providers/jobs/driver/trial';
import { TrackingClient } from '../../../lib/tracking/client';
import { startTrackingServer, type TrackingServerHandle } from '../../../lib/tracking/server/server';
import { awsMocks } from './harness';

const mocks = awsMocks();
afterAll(() => mocks.restore());

const spec: EcsReplicaSpec = {
  dojoId: 'dojo-1', jobId: 'job-1', group: 0, region: 'eu-west-1', cluster: 'c', capacityProvider: 'wrk-cp',
  taskDefinition: 'arn:td/x:1', container: 'replica', logGroup: 'lg', streamPrefix: 'job-1', masterPort: 29500,
};

describe('the AWS driver\'s environment', () => {
  it('the replicas\' base environment is the user\'s -e environment and the region, nothing of the driver\'s', () => {
    const env = { DOJO_REPLICA_BASE_ENV: JSON.stringify({ EPOCHS: '3' }), AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/driver', DOJO_HPO_URI: 'http://m:5002' };
    expect(awsReplicaBaseEnv(env, 'eu-west-1')).toEqual({ EPOCHS: '3', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(() => awsReplicaBaseEnv({ DOJO_REPLICA_BASE_ENV: '{"A": 1}' }, 'eu-west-1')).toThrow('DOJO_REPLICA_BASE_ENV: expected a JSON object of strings');
  });

  it('the replicas\' place is read from DOJO_ECS_REPLICAS, each bad field named', () => {
    expect(ecsSpecFromEnv({ DOJO_ECS_REPLICAS: JSON.stringify(spec) })).toEqual(spec);
    expect(() => ecsSpecFromEnv({})).toThrow('DOJO_ECS_REPLICAS is not set: `dojo job drive --provider aws` is started by `dojo job start` with it');
    expect(() => ecsSpecFromEnv({ DOJO_ECS_REPLICAS: JSON.stringify({ ...spec, cluster: '' }) })).toThrow('DOJO_ECS_REPLICAS: "cluster" must be a non-empty string');
    expect(() => ecsSpecFromEnv({ DOJO_ECS_REPLICAS: JSON.stringify({ ...spec, masterPort: -1 }) })).toThrow('DOJO_ECS_REPLICAS: "masterPort" must be a whole number');
  });
});

describe('one trial over the ECS launcher', () => {
  let dir: string;
  let server: TrackingServerHandle;
  let tasks: Map<string, Task>;
  beforeEach(async () => {
    mocks.reset();
    dir = mkdtempSync(join(tmpdir(), 'dojo-aws-drive-'));
    server = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
    tasks = new Map();
    mocks.ecs.on(RunTaskCommand).callsFake(() => {
      const arn = `arn:aws:ecs:eu-west-1:1:task/c/t${tasks.size}`;
      tasks.set(arn, { taskArn: arn, lastStatus: 'RUNNING', containerInstanceArn: 'ci-0', containers: [{ name: 'replica' }] });
      return { tasks: [{ taskArn: arn }] };
    });
    mocks.ecs.on(DescribeTasksCommand).callsFake((i: { tasks: string[] }) => ({ tasks: i.tasks.map((a) => ({ ...tasks.get(a)! })) }));
    mocks.ecs.on(DescribeContainerInstancesCommand).resolves({ containerInstances: [{ ec2InstanceId: 'i-0' }] });
    mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ PrivateIpAddress: '10.0.1.7' }] }] });
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function trial(exitCode: number, lines: string[]) {
    let served = false;
    mocks.logs.on(GetLogEventsCommand).callsFake((i: { nextToken?: string }) => {
      if (served || i.nextToken) return { events: [], nextForwardToken: 'f/1' };
      served = true;
      return { events: lines.map((message) => ({ message })), nextForwardToken: 'f/1' };
    });
    const c = createAwsClients({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const tracking = new TrackingClient(server.url);
    const experimentId = await tracking.getOrCreateExperiment('job-1');
    const run = await tracking.createRun({ experimentId, runName: 'trial-0' });
    const told: string[] = [];
    const ending = runCommandTrial({
      hpo: { report: async () => ({ prune: false }), tell: async (_s: string, n: number, state: string) => void told.push(`${n} ${state}`), heartbeat: async () => undefined } as never,
      tracking,
      launcher: new EcsReplicaLauncher({ ecs: c.ecs, ec2: c.ec2, logs: c.logs, spec, pollMs: 10, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
      job: { command: 'python3 train.py', workdir: '/' },
      replicas: 1,
      baseEnv: {},
      trial: { jobId: 'job-1', studyId: '1', number: 0, params: { lr: 0.1 }, metric: 'loss', trackingUri: server.url, experimentId, runId: run.info.run_id },
      pollMs: 10,
      graceMs: 1000,
      heartbeatMs: 60_000,
      log: () => undefined,
    });
    // The container exits once its lines are in its stream.
    while (tasks.size === 0) await new Promise((r) => setTimeout(r, 5));
    Object.assign(tasks.get('arn:aws:ecs:eu-west-1:1:task/c/t0')!, { lastStatus: 'STOPPED', containers: [{ name: 'replica', exitCode }] });
    const outcome = await ending;
    const tags = Object.fromEntries(((await tracking.getRun(run.info.run_id)).data.tags ?? []).map((t) => [t.key, t.value]));
    return { outcome, told, tags };
  }

  it('a replica that exits 1 fails the trial with its exit code and its log stream\'s last lines in the run', async () => {
    const { outcome, told, tags } = await trial(1, ['epoch 1', 'Traceback (most recent call last):', 'ValueError: bad lr']);
    expect(outcome).toEqual({ state: 'failed', reason: 'replica rank 0 exited with code 1' });
    expect(told).toEqual(['0 fail']);
    expect(tags[TRIAL_TAGS.failureReason]).toBe('replica rank 0 exited with code 1');
    expect(tags[TRIAL_TAGS.stderrTail]).toContain('[rank 0] ValueError: bad lr');
  });

  it('a command that exits 0 without the metric fails saying AWS gives no result file', async () => {
    const { outcome } = await trial(0, ['done']);
    expect(outcome).toEqual({ state: 'failed', reason: `the command exited 0 but reported no loss; ${AWS_RESULT_FILE_NOTE}` });
  });
});
