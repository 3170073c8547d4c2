import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, StopTaskCommand, UpdateServiceCommand, type Service } from '@aws-sdk/client-ecs';
import { GetParameterCommand, GetParametersByPathCommand, ParameterNotFound, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dojoHourlyCost } from '../../../lib/infra/cost';
import { listDojoConfigs } from '../../../lib/providers/state';
import { DOJO_ID, REGION, RecordingDeployer, awsMocks, params, provider, tempHome } from './harness';

const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
beforeEach(() => {
  mocks.reset();
  t = tempHome();
});
afterEach(() => t.cleanup());
afterAll(() => mocks.restore());

const svc = (name: string, running: number, desired: number, rollout = 'COMPLETED'): Service => ({
  serviceName: name,
  runningCount: running,
  desiredCount: desired,
  deployments: [{ rolloutState: rollout as 'COMPLETED' }],
});

describe('init --provider aws', () => {
  it('records the settings under /dojo-cli/<id>/config (not /dojo/<id>/, which the stack owns) and in the local index', async () => {
    const p = provider(t.home, new RecordingDeployer());
    const cfg = await p.init({ region: 'us-west-2', maxWorkers: 6, workerInstanceType: 'c5.xlarge' });
    const calls = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      {
        Name: `/dojo-cli/${cfg.id}/config`,
        Value: JSON.stringify(cfg),
        Type: 'String',
        Overwrite: false,
        Description: `dojo ${cfg.id}: settings recorded by dojo init (the stack writes /dojo/${cfg.id}/config on deploy)`,
        Tags: [{ Key: 'dojo:id', Value: cfg.id }],
      },
    ]);
    expect(cfg).toMatchObject({ provider: 'aws', region: 'us-west-2', maxWorkers: 6, workerInstanceType: 'c5.xlarge' });
    expect(listDojoConfigs(t.home).map((c) => c.id)).toContain(cfg.id);
  });

  it('refuses a region that is not a region name, naming the flag', async () => {
    const p = provider(t.home, new RecordingDeployer());
    await expect(p.init({ region: 'europe' })).rejects.toThrow('--region: "europe" is not an AWS region name');
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });
});

describe('activate', () => {
  it('deploys the stack with the dojo context when no parameter exists, waits for steady services, records active', async () => {
    const d = new RecordingDeployer();
    let deployed = false;
    d.onDeploy = () => void (deployed = true);
    mocks.ssm.on(GetParametersByPathCommand).callsFake(() => ({ Parameters: deployed ? params() : [] }));
    let polls = 0;
    mocks.ecs.on(DescribeServicesCommand).callsFake(() => {
      polls++;
      return polls < 3
        ? { services: [svc('tracking-svc', 0, 1, 'IN_PROGRESS'), svc('hpo-svc', 1, 1)] }
        : { services: [svc('tracking-svc', 1, 1), svc('hpo-svc', 1, 1)] };
    });
    mocks.asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'mgr-asg', DesiredCapacity: 1, MinSize: 0, MaxSize: 1, AvailabilityZones: [], HealthCheckType: 'EC2', DefaultCooldown: 300, CreatedTime: new Date(), Instances: [] }] });
    const lines: string[] = [];
    await provider(t.home, d).activate(DOJO_ID, (m) => lines.push(m));
    expect(d.calls.map((c) => c.op)).toEqual(['deploy']);
    expect(d.calls[0]!.target).toEqual({
      dojoId: DOJO_ID,
      region: REGION,
      context: { dojoId: DOJO_ID, managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: '4', spot: 'false' },
    });
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({ cluster: 'dojo-cluster-X', services: ['tracking-svc', 'hpo-svc'] });
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: `/dojo/${DOJO_ID}/status`, Value: 'active', Type: 'String', Overwrite: true },
    ]);
    expect(lines.some((l) => l.includes('waiting: tracking-svc 0/1'))).toBe(true);
    // The asset images of the deploy are recorded for `dojo rm`.
    expect(JSON.parse(readFileSync(join(t.home, DOJO_ID, 'aws.json'), 'utf8'))).toEqual({ assetImageTags: ['a'.repeat(64), 'b'.repeat(64)] });
  });

  it('is a no-op on an active dojo (no deploy, no write)', async () => {
    const d = new RecordingDeployer();
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params() });
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('tracking-svc', 1, 1), svc('hpo-svc', 1, 1)] });
    await provider(t.home, d).activate(DOJO_ID);
    expect(d.calls).toHaveLength(0);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(mocks.asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('finds a dojo deployed with `npx cdk deploy -c dojoId=ID` through SSM and only waits for it', async () => {
    const d = new RecordingDeployer();
    let n = 0;
    mocks.ssm.on(GetParametersByPathCommand).callsFake(() => ({ Parameters: params(n++ < 2 ? { managerAddress: 'pending', managerInstanceId: 'pending' } : {}) }));
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('tracking-svc', 1, 1), svc('hpo-svc', 1, 1)] });
    await provider(t.home, d).activate(DOJO_ID);
    expect(d.calls).toHaveLength(0);
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual(['active']);
  });

  it('after deactivate: scales the services back to 1 and starts the manager instance', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ status: 'deactivated' }) });
    let started = false;
    mocks.ecs.on(UpdateServiceCommand).callsFake(() => ((started = true), {}));
    mocks.ecs.on(DescribeServicesCommand).callsFake(() => ({ services: started ? [svc('tracking-svc', 1, 1), svc('hpo-svc', 1, 1)] : [svc('tracking-svc', 0, 0), svc('hpo-svc', 0, 0)] }));
    mocks.asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'mgr-asg', DesiredCapacity: 0, MinSize: 0, MaxSize: 1, AvailabilityZones: [], HealthCheckType: 'EC2', DefaultCooldown: 300, CreatedTime: new Date(), Instances: [] }] });
    await provider(t.home, new RecordingDeployer()).activate(DOJO_ID);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'dojo-cluster-X', service: 'tracking-svc', desiredCount: 1 },
      { cluster: 'dojo-cluster-X', service: 'hpo-svc', desiredCount: 1 },
    ]);
    expect(mocks.asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([{ AutoScalingGroupName: 'mgr-asg', DesiredCapacity: 1 }]);
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual(['active']);
  });

  it('gives up with a clear error when the services never become steady', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ status: 'deactivated' }) });
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('tracking-svc', 0, 1), svc('hpo-svc', 0, 1)] });
    const p = provider(t.home, new RecordingDeployer(), { wait: { pollMs: 0, timeoutMs: 0, sleep: async () => undefined } });
    await expect(p.activate(DOJO_ID)).rejects.toThrow(/the manager's services were not steady within 0 min \(waiting: tracking-svc 0\/1, hpo-svc 0\/1; manager address 10.0.0.10\)/);
  });
});

describe('deactivate', () => {
  it('stops job tasks (not the services\' tasks), scales services and both groups to 0, records deactivated, waits for no instance', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params() });
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:t/1', 'arn:t/2'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        { taskArn: 'arn:t/1', startedBy: 'job-00000001' },
        { taskArn: 'arn:t/2', startedBy: 'ecs-svc/123' },
      ],
    });
    let asgPolls = 0;
    mocks.asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({
      AutoScalingGroups: [{ AutoScalingGroupName: 'wrk-asg', Instances: asgPolls++ === 0 ? [{ InstanceId: 'i-w1', LifecycleState: 'Terminating' }] : [] }],
    }));
    const info = await provider(t.home, new RecordingDeployer()).deactivate(DOJO_ID);
    expect(mocks.ecs.commandCalls(ListTasksCommand)[0]!.args[0].input).toEqual({ cluster: 'dojo-cluster-X', desiredStatus: 'RUNNING', startedBy: undefined, nextToken: undefined });
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'dojo-cluster-X', task: 'arn:t/1', reason: `dojo deactivate ${DOJO_ID}` }]);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'dojo-cluster-X', service: 'tracking-svc', desiredCount: 0 },
      { cluster: 'dojo-cluster-X', service: 'hpo-svc', desiredCount: 0 },
    ]);
    expect(mocks.asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'mgr-asg', MinSize: 0, DesiredCapacity: 0 },
      { AutoScalingGroupName: 'wrk-asg', MinSize: 0, DesiredCapacity: 0 },
    ]);
    // The manager's id and address go back to pending once it is gone: the next activate waits
    // for the new manager to publish its own instead of passing on the old one's.
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: `/dojo/${DOJO_ID}/status`, Value: 'deactivated', Type: 'String', Overwrite: true },
      { Name: `/dojo/${DOJO_ID}/manager/instance-id`, Value: 'pending', Type: 'String', Overwrite: true },
      { Name: `/dojo/${DOJO_ID}/manager/address`, Value: 'pending', Type: 'String', Overwrite: true },
    ]);
    expect(asgPolls).toBeGreaterThanOrEqual(2);
    expect(info.status).toBe('inactive');
  });
});

describe('inspect', () => {
  it('reads SSM (paginated), the manager from EC2, services and tasks from ECS (paginated), and prices the dojo', async () => {
    const all = params();
    mocks.ssm.on(GetParametersByPathCommand, { Path: `/dojo/${DOJO_ID}/`, Recursive: true, NextToken: undefined }).resolves({ Parameters: all.slice(0, 5), NextToken: 'p2' });
    mocks.ssm.on(GetParametersByPathCommand, { Path: `/dojo/${DOJO_ID}/`, Recursive: true, NextToken: 'p2' }).resolves({ Parameters: all.slice(5) });
    mocks.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0manager', State: { Name: 'running' }, PrivateIpAddress: '10.0.0.10', PublicIpAddress: '3.3.3.3', LaunchTime: new Date('2026-11-22T07:10:00Z') }] }],
    });
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('tracking-svc', 1, 1), svc('hpo-svc', 1, 1)] });
    mocks.ecs.on(ListTasksCommand, { nextToken: undefined }).resolves({ taskArns: ['arn:t/1', 'arn:t/2'], nextToken: 'n2' });
    mocks.ecs.on(ListTasksCommand, { nextToken: 'n2' }).resolves({ taskArns: ['arn:t/3'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        { taskArn: 'arn:t/1', startedBy: 'job-00000001' },
        { taskArn: 'arn:t/2', startedBy: 'job-00000001' },
        { taskArn: 'arn:t/3', startedBy: 'ecs-svc/1' },
      ],
    });
    mocks.asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({ AutoScalingGroups: [{ AutoScalingGroupName: 'wrk-asg', Instances: [{ InstanceId: 'i-w', LifecycleState: 'InService' }] }] }));
    const info = await provider(t.home, new RecordingDeployer()).inspect(DOJO_ID);
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: ['i-0manager'] });
    expect(mocks.ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input).toEqual({ cluster: 'dojo-cluster-X', tasks: ['arn:t/1', 'arn:t/2', 'arn:t/3'] });
    expect(mocks.asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]!.args[0].input).toEqual({ AutoScalingGroupNames: ['wrk-asg'] });
    const cost = dojoHourlyCost({ managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false, private: false, dataVolumeGiB: 20 }, { kind: 'active', busyWorkers: 1 });
    expect(info).toMatchObject({
      id: DOJO_ID,
      provider: 'aws',
      status: 'active',
      managerIp: '10.0.0.10',
      trackingUri: 'http://10.0.0.10:5001',
      hpoUri: 'http://10.0.0.10:5002',
      workers: 2,
      costPerHour: Math.round(cost.totalUsdPerHour * 10000) / 10000,
      activatedAt: '2026-11-22T07:10:00.000Z',
    });
    expect(info.extra).toMatchObject({
      DOJO_REGION: REGION,
      DOJO_STACK: `dojo-${DOJO_ID}`,
      DOJO_BUCKET: 'dojo-bucket-x',
      DOJO_MANAGER_STATE: 'running',
      DOJO_MANAGER_PUBLIC_IP: '3.3.3.3',
      DOJO_SERVICE_TRACKING: '1/1 steady',
      DOJO_SERVICE_HPO: '1/1 steady',
    });
    expect(info.extra?.DOJO_UI).toContain(`dojo ui ${DOJO_ID}`);
  });

  it('reports a dojo that is not deployed as inactive, at no cost, without EC2/ECS calls', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    const info = await provider(t.home, new RecordingDeployer()).inspect(DOJO_ID);
    expect(info).toMatchObject({ status: 'inactive', costPerHour: 0, workers: 0 });
    expect(info.extra?.DOJO_STACK).toContain('not deployed');
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('deactivated: status inactive and compute priced at 0', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ status: 'deactivated' }) });
    mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0manager', State: { Name: 'terminated' } }] }] });
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('tracking-svc', 0, 0), svc('hpo-svc', 0, 0)] });
    const info = await provider(t.home, new RecordingDeployer()).inspect(DOJO_ID);
    const cost = dojoHourlyCost({ managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false, private: false, dataVolumeGiB: 20 }, { kind: 'deactivated' });
    expect(cost.computeUsdPerHour).toBe(0);
    expect(info).toMatchObject({ status: 'inactive', managerIp: undefined, costPerHour: Math.round(cost.totalUsdPerHour * 10000) / 10000 });
    expect(existsSync(join(t.home, DOJO_ID))).toBe(true);
  });
});

describe('ls --long (list)', () => {
  it('reads each AWS dojo\'s status parameter; an undeployed dojo is inactive at no cost', async () => {
    mocks.ssm.on(GetParameterCommand, { Name: `/dojo/${DOJO_ID}/status` }).resolves({ Parameter: { Name: `/dojo/${DOJO_ID}/status`, Value: 'active' } });
    const p = provider(t.home, new RecordingDeployer());
    const idle = dojoHourlyCost({ managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false, private: false, dataVolumeGiB: 20 }, { kind: 'active-idle' });
    expect(await p.list()).toEqual([{ id: DOJO_ID, provider: 'aws', status: 'active', createdAt: '2026-11-22T07:00:00.000Z', costPerHour: Math.round(idle.totalUsdPerHour * 10000) / 10000 }]);
    mocks.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
    expect(await p.list()).toEqual([{ id: DOJO_ID, provider: 'aws', status: 'inactive', createdAt: '2026-11-22T07:00:00.000Z', costPerHour: 0 }]);
  });
});
