// The AWS trial driver's pieces: what it reads from its task's environment, and one trial run by the
// shared driver over the ECS launcher (mocked SDK, a real tracking server): a failed replica's log
// stream lines become the run's stderr tail, result lines from the follower's stream make the
// trial's value, and a command that reports nothing fails saying so (and that its result stream
// had no end marker, when it had none).
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
import { RESULT_END_MARKER } from '../../../lib/jobs/result-follower';
import { EcsReplicaLauncher, type EcsReplicaSpec } from '../../../lib/providers/aws/replicas';
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

  // The replica's output stream and its follower's stream, each served once.
  async function trial(exitCode: number, lines: string[], results: string[] = []) {
    const streams = new Map([['job-1/replica/t0', lines], ['job-1/results/t0', results]]);
    const served = new Set<string>();
    mocks.logs.on(GetLogEventsCommand).callsFake((i: { logStreamName: string; nextToken?: string }) => {
      if (served.has(i.logStreamName) || i.nextToken) return { events: [], nextForwardToken: 'f/1' };
      served.add(i.logStreamName);
      return { events: (streams.get(i.logStreamName) ?? []).map((message) => ({ message })), nextForwardToken: 'f/1' };
    });
    const c = createAwsClients({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const tracking = new TrackingClient(server.url);
    const experimentId = await tracking.getOrCreateExperiment('job-1');
    const run = await tracking.createRun({ experimentId, runName: 'trial-0' });
    const told: string[] = [];
    const ending = runCommandTrial({
      hpo: { report: async () => ({ prune: false }), tell: async (_s: string, n: number, state: string) => void told.push(`${n} ${state}`), heartbeat: async () => undefined } as never,
      tracking,
      launcher: new EcsReplicaLauncher({ ecs: c.ecs, ec2: c.ec2, logs: c.logs, spec, pollMs: 10, resultWaitMs: 300, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
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
    const history = await tracking.getMetricHistory(run.info.run_id, 'loss');
    return { outcome, told, tags, history };
  }

  it('a replica that exits 1 fails the trial with its exit code and its log stream\'s last lines in the run', async () => {
    const { outcome, told, tags } = await trial(1, ['epoch 1', 'Traceback (most recent call last):', 'ValueError: bad lr']);
    expect(outcome).toEqual({ state: 'failed', reason: 'replica rank 0 exited with code 1' });
    expect(told).toEqual(['0 fail']);
    expect(tags[TRIAL_TAGS.failureReason]).toBe('replica rank 0 exited with code 1');
    expect(tags[TRIAL_TAGS.stderrTail]).toContain('[rank 0] ValueError: bad lr');
  });

  it('result lines in the follower\'s stream give the trial its value; the intermediate ones go to the run', async () => {
    const { outcome, told, history } = await trial(0, ['done'], ['{"step": 0, "value": 0.9}', '{"step": 1, "value": 0.5}', '{"value": 0.45}', RESULT_END_MARKER]);
    expect(outcome).toEqual({ state: 'complete', value: 0.45 });
    expect(told).toEqual(['0 complete']);
    expect(history.map((m) => [m.step, m.value])).toEqual([[0, 0.9], [1, 0.5]]);
  });

  it('a command that exits 0 without the metric fails saying so, and that its result stream had no end marker', async () => {
    const { outcome } = await trial(0, ['done']);
    expect(outcome).toEqual({
      state: 'failed',
      reason: 'the command exited 0 but reported no loss: log it to the run $MLFLOW_RUN_ID or append {"value": x} to $DOJO_RESULT_FILE; the result stream of rank 0 (job-1/results/t0) had no end marker 0.3 s after the replicas ended: result lines may be missing',
    });
  });

  it('a command that exits 0 and reports nothing, its follower\'s stream complete, fails saying only that', async () => {
    const { outcome } = await trial(0, ['done'], [RESULT_END_MARKER]);
    expect(outcome).toEqual({ state: 'failed', reason: 'the command exited 0 but reported no loss: log it to the run $MLFLOW_RUN_ID or append {"value": x} to $DOJO_RESULT_FILE' });
  });
});
