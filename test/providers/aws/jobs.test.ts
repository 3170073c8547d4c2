import { join } from 'node:path';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeContainerInstancesCommand, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HpoClient } from '../../../lib/hpo';
import { startHpoService, type HpoServiceHandle } from '../../../lib/hpo/service';
import type { AwsJobRecord } from '../../../lib/providers/aws/jobs';
import type { ServiceTarget } from '../../../lib/providers/aws/session';
import type { HpoSettings, LogLine } from '../../../lib/providers/provider';
import { loadJob } from '../../../lib/providers/state';
import { DOJO_ID, REGION, RecordingDeployer, awsMocks, params, provider, tempHome } from './harness';

const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
let hpo: HpoServiceHandle;
let opened: ServiceTarget[];
beforeEach(async () => {
  mocks.reset();
  t = tempHome();
  hpo = await startHpoService({ dbFile: join(t.home, 'hpo.db'), log: () => undefined });
  opened = [];
  mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params() });
});
afterEach(async () => {
  await hpo.close();
  t.cleanup();
});
afterAll(() => mocks.restore());

// The real HPO service on 127.0.0.1 stands in for the manager's, reached through the injected
// service access instead of an SSM session.
const p = () =>
  provider(t.home, new RecordingDeployer(), {
    openService: async (target) => {
      opened.push(target);
      return { uri: hpo.url, close: async () => undefined };
    },
  });

const settings: HpoSettings = {
  space: { lr: { type: 'float', low: 0.001, high: 0.1, log: true } },
  spaceFile: 'space.json',
  numRuns: 4,
  parallel: 2,
  sampler: 'random',
  pruner: 'none',
  seed: 7,
  metric: 'val_rmse',
  direction: 'minimize',
};
const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });
const ENV = { DOJO_TRAIN_GLOB: 's3://dojo-bucket-x/data/taxi/train/*.csv', DOJO_VAL_GLOB: 's3://dojo-bucket-x/data/taxi/val/*.csv' };

describe('job create', () => {
  it('without --image uses the stack\'s task definition (no registration)', async () => {
    const job = await p().createJob(DOJO_ID, {});
    expect(mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(job.image).toBe('bundled');
  });
});

describe('job start', () => {
  it('creates the study in the HPO service and runs P×R tasks on the worker capacity provider with the worker env', async () => {
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t${n++}` }] }));
    const prov = p();
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, settings);
    const before = Date.now();
    const info = await prov.startJob(job.id, { replicas: 2, env: ENV });
    const after = Date.now();
    expect(opened).toEqual([{ dojoId: DOJO_ID, region: REGION, instanceId: 'i-0manager', port: 5002 }]);
    const studies = await new HpoClient(hpo.url).listStudies();
    expect(studies.map((s) => s.name)).toEqual([job.id]);
    const calls = mocks.ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(4);
    // The replicas wait for each other up to the job's deadline, 20 min after the launch.
    const deadline = Number(calls[0]!.overrides?.containerOverrides?.[0]?.environment?.find((e) => e.name === 'DOJO_RENDEZVOUS_DEADLINE')?.value);
    expect(deadline).toBeGreaterThanOrEqual(before + 20 * 60_000);
    expect(deadline).toBeLessThanOrEqual(after + 20 * 60_000);
    const studyId = String(studies[0]!.id);
    const envOf = (g: number) =>
      Object.entries({
        ...ENV,
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        DOJO_TRACKING_URI: 'http://10.0.0.10:5001',
        DOJO_HPO_URI: 'http://10.0.0.10:5002',
        DOJO_STUDY: studyId,
        DOJO_REPLICAS: '2',
        DOJO_JOB_ID: job.id,
        DOJO_WORKER_GROUP: String(g),
        DOJO_METRIC: 'val_rmse',
        DOJO_RENDEZVOUS_DEADLINE: String(deadline),
      })
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value }));
    const expected = [0, 1].flatMap((g) =>
      [0, 1].map((r) => ({
        cluster: 'dojo-cluster-X',
        taskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:1',
        count: 1,
        capacityProviderStrategy: [{ capacityProvider: 'wrk-cp', weight: 1, base: 0 }],
        startedBy: job.id,
        group: `${job.id}-g${g}`,
        overrides: { containerOverrides: [{ name: 'worker', command: ['worker', 'run', '--job', job.id, '--group', String(g), '--replica', String(r)], environment: envOf(g) }] },
        tags: [
          { key: 'dojo:id', value: DOJO_ID },
          { key: 'dojo:job', value: job.id },
          { key: 'dojo:group', value: String(g) },
        ],
        enableECSManagedTags: true,
      })),
    );
    expect(calls).toEqual(expected);
    const saved = loadJob(t.home, job.id) as AwsJobRecord;
    expect(saved.status).toBe('running');
    expect(saved.tasks?.map((x) => [x.group, x.replica])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(info.trackingUri).toBe('http://10.0.0.10:5001');
  });

  it('scales the worker group out to the job\'s P×R instances at once and starts the tasks once they are registered', async () => {
    const order: string[] = [];
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => {
      order.push('RunTask');
      return { tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t${n++}` }] };
    });
    let desired = 0;
    mocks.asg.on(UpdateAutoScalingGroupCommand).callsFake((input: { DesiredCapacity?: number }) => {
      order.push(`desired ${input.DesiredCapacity}`);
      desired = input.DesiredCapacity ?? desired;
      return {};
    });
    const ids = ['i-w0', 'i-w1', 'i-w2', 'i-w3'];
    mocks.asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({
      AutoScalingGroups: [{ AutoScalingGroupName: 'wrk-asg', MaxSize: 4, DesiredCapacity: desired, Instances: ids.slice(0, desired).map((InstanceId) => ({ InstanceId })) }],
    }));
    // The ECS agents register one instance per poll.
    let polls = 0;
    mocks.ecs.on(ListContainerInstancesCommand).callsFake(() => {
      polls++;
      order.push(`registered ${Math.min(polls, 4)}`);
      return { containerInstanceArns: ['ci-manager', ...ids.slice(0, Math.min(polls, 4)).map((i) => `ci-${i}`)] };
    });
    mocks.ecs.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances: string[] }) => ({
      containerInstances: input.containerInstances.map((arn) => ({ containerInstanceArn: arn, ec2InstanceId: arn === 'ci-manager' ? 'i-0manager' : arn.slice(3) })),
    }));
    const progress: string[] = [];
    const prov = p();
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, settings);
    await prov.startJob(job.id, { replicas: 2, env: ENV }, (l) => progress.push(l));
    expect(mocks.asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([{ AutoScalingGroupName: 'wrk-asg', DesiredCapacity: 4 }]);
    expect(order).toEqual(['desired 4', 'registered 1', 'registered 2', 'registered 3', 'registered 4', 'RunTask', 'RunTask', 'RunTask', 'RunTask']);
    expect(progress).toContain('scaling wrk-asg out to 4 instance(s) at once');
    expect(progress).toContain('waiting for worker instances: 3 of 4 registered in the cluster');
  });

  it('refuses local data paths (containers read S3 only) and a deactivated dojo', async () => {
    const prov = p();
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, settings);
    await expect(prov.startJob(job.id, { replicas: 1, env: { ...ENV, DOJO_TRAIN_GLOB: '/home/me/train/*.csv' } })).rejects.toThrow(
      /-e DOJO_TRAIN_GLOB \/home\/me\/train\/\*\.csv: workers on AWS read data from S3 only; upload it with `dojo data put/,
    );
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ status: 'deactivated' }) });
    await expect(prov.startJob(job.id, { replicas: 1, env: ENV })).rejects.toThrow(`dojo ${DOJO_ID} is not active; run \`dojo activate ${DOJO_ID}\` first`);
    expect(mocks.ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('a RunTask failure (no capacity) stops the tasks started before it and leaves the job created; the retry starts it; stop stops it', async () => {
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => (n++ === 0 ? { tasks: [{ taskArn: 'arn:task/c/t0' }] } : { tasks: [], failures: [{ reason: 'RESOURCE:MEMORY', detail: 'no capacity' }] }));
    // ListTasks does not show t0 yet (eventually consistent): the undo stops it by its recorded ARN.
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    const prov = p();
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, settings);
    const progress: string[] = [];
    await expect(prov.startJob(job.id, { replicas: 1, env: ENV }, (m) => progress.push(m))).rejects.toThrow(
      `RunTask for ${job.id} g1/r0 failed: RESOURCE:MEMORY (no capacity); 1 task(s) started before it`,
    );
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task)).toEqual(['arn:task/c/t0']);
    expect(progress.join('\n')).toContain(`the start failed and was undone (no workers left); fix the cause and run \`dojo job start ${job.id}\` again`);
    const undone = loadJob(t.home, job.id) as AwsJobRecord;
    expect(undone.status).toBe('created');
    expect(undone.run).toBeUndefined();

    mocks.ecs.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:task/c/r${n++}` }] }));
    const retried = await prov.startJob(job.id, { replicas: 1, env: ENV });
    expect(retried.status).toBe('running');
    expect((loadJob(t.home, job.id) as AwsJobRecord).tasks).toHaveLength(2);
    mocks.ecs.on(ListTasksCommand, { startedBy: job.id }).resolves({ taskArns: ['arn:task/c/r2', 'arn:task/c/r3'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:task/c/r2', startedBy: job.id }, { taskArn: 'arn:task/c/r3', startedBy: job.id }] });
    mocks.ecs.resetHistory();
    expect((await prov.stopJob(job.id)).status).toBe('stopped');
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task)).toEqual(['arn:task/c/r2', 'arn:task/c/r3']);
  });

  it('a RunTask AccessDenied on the first task leaves the job created with no run; the retry starts it', async () => {
    mocks.ecs.on(RunTaskCommand).rejectsOnce(sdkError('AccessDeniedException', 'User: arn:aws:iam::111122223333:user/ann is not authorized to perform: ecs:RunTask'));
    const prov = p();
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, settings);
    await expect(prov.startJob(job.id, { replicas: 1, env: ENV })).rejects.toThrow(/permission denied for ecs:RunTask/);
    expect(loadJob(t.home, job.id)).toMatchObject({ status: 'created' });
    expect(loadJob(t.home, job.id).run).toBeUndefined();
    expect(mocks.ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:task/c/t${n++}` }] }));
    expect((await prov.startJob(job.id, { replicas: 1, env: ENV })).status).toBe('running');
    expect(n).toBe(2);
  });
});

describe('job progress, wait, stop, logs', () => {
  async function started() {
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t${n++}` }] }));
    const prov = p();
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, { ...settings, numRuns: 2, parallel: 1 });
    await prov.startJob(job.id, { replicas: 1, env: ENV });
    return { prov, job };
  }

  it('wait polls the study and the job\'s running tasks (startedBy) until all trials are done, then records completed', async () => {
    const { prov, job } = await started();
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t0'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t0', startedBy: job.id }] });
    const client = new HpoClient(hpo.url);
    const studyId = loadJob(t.home, job.id).run!.studyId;
    const pending: Promise<void>[] = [];
    const final = await prov.waitJob(job.id, {
      intervalMs: 0,
      onProgress: (pr) => {
        // A worker finishing one trial between polls (until all are handed out).
        if (pr.complete + pending.length >= 2) return;
        pending.push(
          (async () => {
            const a = await client.ask(studyId);
            if (a) await client.tell(studyId, a.number, 'complete', 0.5 + a.number);
          })(),
        );
      },
    });
    await Promise.all(pending);
    expect(final.status).toBe('completed');
    expect(final.complete).toBe(2);
    expect(final.best?.value).toBe(0.5);
    expect(mocks.ecs.commandCalls(ListTasksCommand)[0]!.args[0].input).toEqual({ cluster: 'dojo-cluster-X', desiredStatus: 'RUNNING', startedBy: job.id, nextToken: undefined });
    // The idle straggler of the finished study is stopped.
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'dojo-cluster-X', task: 'arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t0', reason: `dojo: job ${job.id} completed` },
    ]);
    expect(loadJob(t.home, job.id).status).toBe('completed');
    expect(opened).toHaveLength(2); // start + one session for the whole wait
  });

  it('stop sends StopTask for each running task of the job only', async () => {
    const { prov, job } = await started();
    mocks.ecs.on(ListTasksCommand, { startedBy: job.id }).resolves({ taskArns: ['arn:x/t0'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:x/t0', startedBy: job.id }] });
    const info = await prov.stopJob(job.id);
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'dojo-cluster-X', task: 'arn:x/t0', reason: `dojo job stop ${job.id}` }]);
    expect(info.status).toBe('stopped');
  });

  it('logs read the task streams with FilterLogEvents page by page, and --follow polls until the tasks are gone', async () => {
    const { prov, job } = await started();
    const stream = 'worker/worker/t0';
    let round = 0;
    mocks.logs.on(FilterLogEventsCommand).callsFake((input: { nextToken?: string; startTime?: number }) => {
      if (round === 0) {
        if (!input.nextToken) return { events: [{ eventId: 'e1', logStreamName: stream, timestamp: 1, message: 'start [trial 0]\n' }], nextToken: 'page2' };
        round = 1;
        return { events: [{ eventId: 'e2', logStreamName: stream, timestamp: 2, message: 'loss 1.0 [trial 1]' }] };
      }
      // Follow polls from the newest timestamp; the same event again is not printed twice.
      return { events: [{ eventId: 'e2', logStreamName: stream, timestamp: 2, message: 'loss 1.0 [trial 1]' }, { eventId: 'e3', logStreamName: stream, timestamp: 3, message: 'done [trial 1]' }] };
    });
    let running = 2;
    mocks.ecs.on(ListTasksCommand).callsFake(() => ({ taskArns: running-- > 0 ? ['arn:x/t0'] : [] }));
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:x/t0', startedBy: job.id }] });
    const lines: LogLine[] = [];
    await prov.jobLogs(job.id, { follow: true, onLine: (l) => lines.push(l) });
    expect(lines).toEqual([
      { source: 'g0/r0', text: 'start [trial 0]' },
      { source: 'g0/r0', text: 'loss 1.0 [trial 1]' },
      { source: 'g0/r0', text: 'done [trial 1]' },
    ]);
    const inputs = mocks.logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({ logGroupName: 'dojo-dojo-0123abcd-Logs-abc', logStreamNames: [stream], startTime: undefined, nextToken: undefined });
    expect(inputs[1]).toMatchObject({ nextToken: 'page2' });
    expect(inputs[2]).toMatchObject({ startTime: 2, nextToken: undefined });

    const trial1: LogLine[] = [];
    await prov.jobLogs(job.id, { follow: false, trial: 1, onLine: (l) => trial1.push(l) });
    expect(trial1.every((l) => l.text.includes('[trial 1]'))).toBe(true);
  });

  it('inspect shows the job with its progress; deactivate records a running job as stopped', async () => {
    const { prov, job } = await started();
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
    const info = await prov.inspectJob(job.id);
    // No trial has finished and no task runs any more: failed, as locally.
    expect(info.progress).toMatchObject({ jobId: job.id, total: 2, complete: 0, workersAlive: 0, status: 'failed' });
    const j2 = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(j2.id, { ...settings, numRuns: 2, parallel: 1 });
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:x/t9'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:x/t9', startedBy: j2.id }] });
    await prov.startJob(j2.id, { replicas: 1, env: ENV });
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    await prov.deactivate(DOJO_ID);
    expect(loadJob(t.home, j2.id).status).toBe('stopped');
  });
});
