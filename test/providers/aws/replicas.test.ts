// The ECS ReplicaLauncher against a mocked ECS/EC2/CloudWatch Logs that keeps task state: rank 0
// first, the others with its address once it is RUNNING, exactly the contract environment, exits,
// lost tasks, stop, a failure midway, and the result lines read from the followers' streams
// through their end markers.
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type RunTaskCommandInput, type Task } from '@aws-sdk/client-ecs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { replicaEnv, type ReplicaTrial } from '../../../lib/jobs/replica-env';
import { createAwsClients } from '../../../lib/providers/aws/clients';
import { AWS_RESULT_FILE } from '../../../lib/providers/aws/command-jobs';
import { EcsReplicaLauncher, type EcsLauncherOptions, type EcsReplicaSpec } from '../../../lib/providers/aws/replicas';
import { RESULT_END_MARKER } from '../../../lib/jobs/result-follower';
import type { TrialLaunch } from '../../../lib/providers/jobs/driver/launcher';
import { awsMocks } from './harness';

const mocks = awsMocks();
afterAll(() => mocks.restore());

const spec: EcsReplicaSpec = {
  dojoId: 'dojo-1', jobId: 'job-1', group: 0, region: 'eu-west-1', cluster: 'c', capacityProvider: 'wrk-cp',
  taskDefinition: 'arn:td/dojo-dojo-1-cmd-job-1:1', container: 'replica', logGroup: 'lg', streamPrefix: 'job-1', masterPort: 29500,
};
const trial: ReplicaTrial = {
  jobId: 'job-1', studyId: '3', number: 5, params: { lr: 0.01 }, metric: 'loss', resultFile: AWS_RESULT_FILE,
  trackingUri: 'http://10.0.0.10:5001', experimentId: '2', runId: 'r5',
};
const base = { DOJO_TRAIN_GLOB: 's3://b/data/train/*.csv', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' };

// Task state the mocks keep: each DescribeTasks moves a task one step on until RUNNING.
let tasks: Map<string, Task>;
let events: string[];
let runs: RunTaskCommandInput[];
let failRank: number | undefined;
beforeEach(() => {
  mocks.reset();
  tasks = new Map();
  events = [];
  runs = [];
  failRank = undefined;
  mocks.ecs.on(RunTaskCommand).callsFake((i: RunTaskCommandInput) => {
    const rank = Number(i.tags?.find((x) => x.key === 'dojo:rank')?.value);
    events.push(`run ${rank}`);
    runs.push(i);
    if (rank === failRank) return { failures: [{ reason: 'RESOURCE:CPU' }] };
    const arn = `arn:aws:ecs:eu-west-1:1:task/c/t${rank}`;
    tasks.set(arn, { taskArn: arn, lastStatus: 'PROVISIONING', containerInstanceArn: `ci-${rank}`, containers: [{ name: 'replica' }] });
    return { tasks: [{ taskArn: arn }] };
  });
  mocks.ecs.on(DescribeTasksCommand).callsFake((i: { tasks: string[] }) => ({
    tasks: i.tasks.map((arn) => {
      const task = tasks.get(arn)!;
      const next = ({ PROVISIONING: 'PENDING', PENDING: 'RUNNING' } as Record<string, string>)[task.lastStatus!];
      if (next) {
        task.lastStatus = next;
        events.push(`${arn.slice(-2)} ${next}`);
      }
      return { ...task };
    }),
  }));
  mocks.ecs.on(DescribeContainerInstancesCommand).callsFake((i: { containerInstances: string[] }) => ({
    containerInstances: i.containerInstances.map((a) => ({ containerInstanceArn: a, ec2InstanceId: `i-${a.slice(3)}` })),
  }));
  mocks.ec2.on(DescribeInstancesCommand).callsFake((i: { InstanceIds: string[] }) => ({
    Reservations: [{ Instances: i.InstanceIds.map((id) => ({ InstanceId: id, PrivateIpAddress: `10.0.1.${Number(id.slice(2)) + 7}` })) }],
  }));
  mocks.ecs.on(StopTaskCommand).callsFake((i: { task: string }) => {
    events.push(`stop ${i.task.slice(-2)}`);
    const task = tasks.get(i.task)!;
    task.lastStatus = 'STOPPED';
    task.containers = [{ name: 'replica', exitCode: 143 }];
    return {};
  });
});

const c = createAwsClients({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const launcher = (o: Partial<EcsLauncherOptions> = {}) => new EcsReplicaLauncher({ ecs: c.ecs, ec2: c.ec2, logs: c.logs, spec, pollMs: 0, sleep: () => new Promise((r) => setImmediate(r)), ...o });
const lines: string[] = [];
const launch = (replicas: number): TrialLaunch => ({
  trial: 5,
  replicas,
  command: 'python train.py --lr 0.01',
  workdir: '/ignored',
  envFor: (place) => replicaEnv(base, trial, place),
  onLine: (rank, stream, line) => lines.push(`${rank} ${stream} ${line}`),
});
const envOf = (i: RunTaskCommandInput) => Object.fromEntries(i.overrides!.containerOverrides![0]!.environment!.map((e) => [e.name!, e.value!]));
const stop = (rank: number, exit: Partial<Task>) => Object.assign(tasks.get(`arn:aws:ecs:eu-west-1:1:task/c/t${rank}`)!, { lastStatus: 'STOPPED', ...exit });

describe('EcsReplicaLauncher', () => {
  it('starts rank 0 first and the others once it is RUNNING, with its instance\'s address and exactly the contract environment', async () => {
    const running = await launcher().launch(launch(3));
    expect(events.slice(0, 4)).toEqual(['run 0', 't0 PENDING', 't0 RUNNING', 'run 1']);
    expect(events.filter((e) => e.startsWith('run'))).toEqual(['run 0', 'run 1', 'run 2']);
    const place = { worldSize: 3, localRank: 0, localWorldSize: 1, masterPort: 29500 };
    const contract = (rank: number, masterAddr: string) => replicaEnv(base, trial, { ...place, rank, masterAddr });
    expect(launcher().resultFile()).toBe('/dojo-results/result.jsonl');
    expect(envOf(runs[0]!)).toEqual(contract(0, '127.0.0.1'));
    expect(envOf(runs[0]!).DOJO_RESULT_FILE).toBe('/dojo-results/result.jsonl');
    expect(envOf(runs[1]!)).toEqual(contract(1, '10.0.1.7'));
    expect(envOf(runs[2]!)).toEqual(contract(2, '10.0.1.7'));
    expect(envOf(runs[2]!)).toMatchObject({ RANK: '2', WORLD_SIZE: '3', MASTER_ADDR: '10.0.1.7', MASTER_PORT: '29500', KAEN_JOB_MANAGER_IP: '10.0.1.7', MLFLOW_RUN_ID: 'r5' });
    expect(runs[1]).toMatchObject({
      cluster: 'c', taskDefinition: spec.taskDefinition, capacityProviderStrategy: [{ capacityProvider: 'wrk-cp', weight: 1, base: 0 }], startedBy: 'job-1', group: 'job-1-g0-t5',
      overrides: { containerOverrides: [{ name: 'replica', command: ['/bin/sh', '-c', 'python train.py --lr 0.01'] }] },
    });
    expect(running.ids).toEqual(['task t0', 'task t1', 'task t2']);
    stop(0, { containers: [{ name: 'replica', exitCode: 0 }] });
    stop(1, { containers: [{ name: 'replica', exitCode: 3 }] });
    stop(2, { stoppedReason: 'Host EC2 (instance i-2) terminated.', containers: [{ name: 'replica' }] });
    expect(await Promise.all(running.exits)).toEqual([
      { rank: 0, code: 0 },
      { rank: 1, code: 3 },
      { rank: 2, code: null, lost: 'Host EC2 (instance i-2) terminated.' },
    ]);
  });

  it('forwards each replica\'s log stream lines (merged output) as they come', async () => {
    lines.length = 0;
    const served = new Set<string>();
    mocks.logs.on(GetLogEventsCommand).callsFake((i: { logStreamName: string; nextToken?: string }) => {
      if (i.nextToken || served.has(i.logStreamName)) return { events: [], nextForwardToken: i.nextToken ?? 'f/1' };
      served.add(i.logStreamName);
      return { events: [{ message: `hello from ${i.logStreamName}` }, { message: 'Traceback: boom' }], nextForwardToken: 'f/1' };
    });
    const running = await launcher().launch(launch(1));
    stop(0, { containers: [{ name: 'replica', exitCode: 1 }] });
    expect(await running.exits[0]).toEqual({ rank: 0, code: 1 });
    expect(lines).toEqual(['0 output hello from job-1/replica/t0', '0 output Traceback: boom']);
  });

  it('stop sends StopTask to each replica still running and resolves once they are STOPPED', async () => {
    const running = await launcher().launch(launch(2));
    stop(0, { containers: [{ name: 'replica', exitCode: 0 }] });
    expect(await running.exits[0]).toEqual({ rank: 0, code: 0 });
    await running.stop(5000);
    expect(events.filter((e) => e.startsWith('stop'))).toEqual(['stop t1']);
    expect(mocks.ecs.commandCalls(StopTaskCommand)[0]!.args[0].input).toEqual({ cluster: 'c', task: 'arn:aws:ecs:eu-west-1:1:task/c/t1', reason: 'dojo: trial 5 stopped' });
    expect(await running.exits[1]).toEqual({ rank: 1, code: 143 });
  });

  it('a failure midway stops the replicas already started and rejects', async () => {
    failRank = 2;
    await expect(launcher().launch(launch(3))).rejects.toThrow('RunTask for trial 5 rank 2 of job-1 failed: RESOURCE:CPU');
    expect(events.filter((e) => e.startsWith('stop')).sort()).toEqual(['stop t0', 'stop t1']);
  });

  it('rank 0 that stops before it runs fails the launch with its stopped reason', async () => {
    mocks.ecs.on(DescribeTasksCommand).callsFake(() => ({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/c/t0', lastStatus: 'STOPPED', stoppedReason: 'CannotPullContainerError: pull access denied' }] }));
    await expect(launcher().launch(launch(2))).rejects.toThrow('rank 0 (task t0) stopped before it ran: CannotPullContainerError: pull access denied');
    expect(events.filter((e) => e.startsWith('run'))).toEqual(['run 0']);
  });
});

// Each stream's events as CloudWatch Logs serves them: everything put so far, read forward by token.
describe('EcsReplicaLauncher result lines', () => {
  let streams: Map<string, string[]>;
  beforeEach(() => {
    streams = new Map();
    mocks.logs.on(GetLogEventsCommand).callsFake((i: { logStreamName: string; nextToken?: string }) => {
      const all = streams.get(i.logStreamName);
      if (!all) throw Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' });
      const from = i.nextToken ? Number(i.nextToken.slice(2)) : 0;
      return { events: all.slice(from).map((message) => ({ message })), nextForwardToken: `f/${all.length}` };
    });
  });
  const put = (stream: string, ...messages: string[]) => streams.set(stream, [...(streams.get(stream) ?? []), ...messages]);

  it('reads each replica\'s follower stream (<job>/results/<task>) as it comes, never its output stream, up to the end marker', async () => {
    const running = await launcher().launch(launch(2));
    put('job-1/replica/t0', 'epoch 1 done');
    put('job-1/results/t0', '{"step": 0, "value": 0.9}');
    expect(await running.readResults()).toBe('{"step": 0, "value": 0.9}\n');
    put('job-1/results/t0', '{"step": 1, "value": 0.5}', '{"value": 0.4}', RESULT_END_MARKER, 'after the marker');
    put('job-1/results/t1', RESULT_END_MARKER);
    expect(await running.readResults()).toBe('{"step": 1, "value": 0.5}\n{"value": 0.4}\n');
    stop(0, { containers: [{ name: 'replica', exitCode: 0 }] });
    stop(1, { containers: [{ name: 'replica', exitCode: 0 }] });
    await Promise.all(running.exits);
    expect(await running.readResults(true)).toBe('');
    expect(running.resultsIncomplete?.()).toBeUndefined();
  });

  it('once every replica has stopped, readResults(true) waits for a marker that awslogs delivers after the task STOPPED', async () => {
    let waits: number | undefined;
    const sleep = async () => {
      // The follower's last lines reach CloudWatch Logs a few polls after the task is STOPPED.
      if (waits !== undefined && ++waits === 3) put('job-1/results/t0', '{"step": 2, "value": 0.3}', '{"value": 0.25}', RESULT_END_MARKER);
      await new Promise((r) => setImmediate(r));
    };
    const running = await launcher({ pollMs: 500, sleep, resultWaitMs: 60_000 }).launch(launch(1));
    stop(0, { containers: [{ name: 'replica', exitCode: 0 }] });
    expect(await running.exits[0]).toEqual({ rank: 0, code: 0 });
    expect(await running.readResults()).toBe('');
    waits = 0;
    expect(await running.readResults(true)).toBe('{"step": 2, "value": 0.3}\n{"value": 0.25}\n');
    expect(running.resultsIncomplete?.()).toBeUndefined();
    expect(waits).toBe(3);
  });

  it('a marker that never comes: readResults(true) answers what it read after resultWaitMs, and says which stream was incomplete', async () => {
    let slept = 0;
    const sleep = async (ms: number) => {
      slept += ms;
      await new Promise((r) => setImmediate(r));
    };
    const running = await launcher({ pollMs: 1000, sleep, resultWaitMs: 20_000 }).launch(launch(2));
    put('job-1/results/t0', '{"step": 0, "value": 0.7}');
    put('job-1/results/t1', RESULT_END_MARKER);
    stop(0, { containers: [{ name: 'replica', exitCode: 0 }] });
    stop(1, { containers: [{ name: 'replica', exitCode: 0 }] });
    await Promise.all(running.exits);
    const before = slept;
    expect(await running.readResults(true)).toBe('{"step": 0, "value": 0.7}\n');
    expect(slept - before).toBe(20_000);
    expect(running.resultsIncomplete?.()).toBe('the result stream of rank 0 (job-1/results/t0) had no end marker 20 s after the replicas ended: result lines may be missing');
  });
});
