// Command jobs on AWS (issue 14): the driver task definition on the manager and the IAM of the
// driver and of command tasks. "Whatever on the manager starts and stops these tasks may do that
// in the dojo's cluster and nothing more": the driver's statements are asserted exactly, and
// requests outside the family, the cluster or the two roles are shown to match no statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVER_CONTAINER_NAME, DRIVER_DEFAULT_COMMAND } from '../../lib/infra/constructs/command-jobs';
import { commandFamilyPrefix, commandTaskFamily, dojoParameterName } from '../../lib/infra/parameters';
import { jobTaskFamily } from '../../lib/providers/aws/names';
import { allowingStatements, renderValue, roleStatements, type IamRequest, type RenderedStatement } from './iam-eval';
import { resourcesOf, synthDojo, type SynthesizedDojo } from './synth-helper';

let d: SynthesizedDojo;
beforeAll(() => {
  d = synthDojo({ dojoId: 'demo' });
});
afterAll(() => d?.cleanup());

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const CLUSTER = 'demo-cluster';
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
const OTHER_CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`;
const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:dojo-demo-Logs:*`;

const ids = () => ({
  cluster: d.logicalId(d.stack.compute.cluster),
  logs: d.logicalId(d.stack.compute.logGroup),
  bucket: d.logicalId(d.stack.store.bucket),
  taskRole: d.logicalId(d.stack.commands.taskRole),
  executionRole: d.logicalId(d.stack.commands.executionRole),
  driverRole: d.logicalId(d.stack.commands.driverTaskDefinition.taskRole),
});

// Concrete values for the template's tokens, so that requests can be evaluated.
function concreteNames(): Record<string, string> {
  const i = ids();
  return {
    '<AWS::Partition>': 'aws',
    '<AWS::Region>': REGION,
    '<AWS::AccountId>': ACCOUNT,
    [`<${i.cluster}>`]: CLUSTER,
    [`<${i.cluster}.Arn>`]: CLUSTER_ARN,
    [`<${i.logs}.Arn>`]: LOG_GROUP_ARN,
    [`<${i.taskRole}.Arn>`]: `arn:aws:iam::${ACCOUNT}:role/cmd-task`,
    [`<${i.executionRole}.Arn>`]: `arn:aws:iam::${ACCOUNT}:role/cmd-exec`,
  };
}

interface ContainerJson {
  readonly Name: string;
  readonly Image: unknown;
  readonly Command?: string[];
  readonly Cpu?: number;
  readonly MemoryReservation?: number;
  readonly LogConfiguration?: { LogDriver: string; Options: Record<string, unknown> };
}

function taskDefinition(logicalId: string): { NetworkMode: string; PlacementConstraints: unknown; ContainerDefinitions: ContainerJson[]; TaskRoleArn: unknown; ExecutionRoleArn: unknown } {
  const r = resourcesOf(d.template)[logicalId];
  if (r?.Type !== 'AWS::ECS::TaskDefinition') throw new Error(`${logicalId} is not a task definition`);
  return r.Properties as never;
}

describe('the driver task definition', () => {
  it('runs the runtime image (the worker\'s) on the manager only, host networking, logging to the dojo log group', () => {
    const driver = taskDefinition(d.logicalId(d.stack.commands.driverTaskDefinition));
    const worker = taskDefinition(d.logicalId(d.stack.workerTask.taskDefinition));
    expect(driver.NetworkMode).toBe('host');
    expect(driver.PlacementConstraints).toEqual([{ Type: 'memberOf', Expression: 'attribute:dojo.role == manager' }]);
    expect(driver.ContainerDefinitions).toHaveLength(1);
    const c = driver.ContainerDefinitions[0]!;
    expect(c.Name).toBe(DRIVER_CONTAINER_NAME);
    expect(c.Image).toEqual(worker.ContainerDefinitions[0]!.Image);
    expect(c.Command).toEqual([...DRIVER_DEFAULT_COMMAND]);
    expect(c.LogConfiguration?.LogDriver).toBe('awslogs');
    expect(c.LogConfiguration?.Options['awslogs-group']).toEqual({ Ref: ids().logs });
    expect(c.LogConfiguration?.Options['awslogs-stream-prefix']).toBe('driver');
    expect(driver.TaskRoleArn).toEqual({ 'Fn::GetAtt': [ids().driverRole, 'Arn'] });
  });

  it('reserves little, so one driver per parallel trial fits beside MLflow and the HPO service on the manager', () => {
    const reservations = Object.values(resourcesOf(d.template))
      .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
      .flatMap((r) => r.Properties?.ContainerDefinitions as ContainerJson[]);
    const driver = reservations.find((c) => c.Name === DRIVER_CONTAINER_NAME)!;
    expect(driver.Cpu).toBe(128);
    expect(driver.MemoryReservation).toBe(256);
    const services = reservations.filter((c) => c.Name === 'mlflow' || c.Name === 'hpo').reduce((s, c) => s + (c.MemoryReservation ?? 0), 0);
    expect(services).toBe(1024 + 512);
    // The smallest offered manager (t3.medium, 4 GiB; ECS registers about 3.8 GiB of it) holds
    // both services and 8 drivers; the default t3.xlarge (16 GiB) holds 50.
    expect(services + 8 * driver.MemoryReservation!).toBeLessThanOrEqual(3800);
    expect(services + 50 * driver.MemoryReservation!).toBeLessThanOrEqual(15_500);
  });
});

describe('the driver role', () => {
  it('holds exactly these statements', () => {
    const i = ids();
    const arn = (service: string, resource: string) => `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;
    const inCluster = { ArnEquals: { 'ecs:cluster': [`<${i.cluster}.Arn>`] } };
    const expected: RenderedStatement[] = [
      { Sid: 'RunCommandTasks', Effect: 'Allow', Action: ['ecs:RunTask'], Resource: [arn('ecs', 'task-definition/dojo-demo-cmd-*')], Condition: inCluster },
      { Sid: 'WatchAndStopTasks', Effect: 'Allow', Action: ['ecs:DescribeTasks', 'ecs:StopTask'], Resource: [arn('ecs', `task/<${i.cluster}>/*`)], Condition: inCluster },
      { Sid: 'TagNewTasks', Effect: 'Allow', Action: ['ecs:TagResource'], Resource: [arn('ecs', `task/<${i.cluster}>/*`)], Condition: { StringEquals: { 'ecs:CreateAction': ['RunTask'] } } },
      {
        Sid: 'FindReplicaHosts',
        Effect: 'Allow',
        Action: ['ecs:DescribeContainerInstances'],
        Resource: [arn('ecs', `container-instance/<${i.cluster}>/*`)],
        Condition: inCluster,
      },
      { Sid: 'FindReplicaAddresses', Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: ['*'] },
      {
        Sid: 'PassCommandRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [`<${i.taskRole}.Arn>`, `<${i.executionRole}.Arn>`],
        Condition: { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com'] } },
      },
      {
        Sid: 'ReadDojoParameters',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        Resource: [arn('ssm', 'parameter/dojo/demo'), arn('ssm', 'parameter/dojo/demo/*')],
      },
      { Sid: 'ReadReplicaLogs', Effect: 'Allow', Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'], Resource: [`<${i.logs}.Arn>`] },
    ];
    expect(roleStatements(d.template, i.driverRole)).toEqual(expected);
  });

  it('may run a command job task definition in the dojo cluster', () => {
    const s = roleStatements(d.template, ids().driverRole, concreteNames());
    const run = (family: string, cluster = CLUSTER_ARN): IamRequest => ({
      action: 'ecs:RunTask',
      resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:3`,
      context: { 'ecs:cluster': cluster },
    });
    expect(allowingStatements(s, run(commandTaskFamily('demo', 'j-1a2b'))).map((x) => x.Sid)).toEqual(['RunCommandTasks']);
    expect(allowingStatements(s, { action: 'ecs:StopTask', resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/abc123`, context: { 'ecs:cluster': CLUSTER_ARN } })).toHaveLength(1);
    expect(allowingStatements(s, { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/cmd-task`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } })).toHaveLength(1);
  });

  it('may not run a task outside the command family or the dojo cluster, by any statement', () => {
    const s = roleStatements(d.template, ids().driverRole, concreteNames());
    const td = (family: string, region = REGION, account = ACCOUNT) => `arn:aws:ecs:${region}:${account}:task-definition/${family}:1`;
    const denied: IamRequest[] = [
      { action: 'ecs:RunTask', resource: td(commandTaskFamily('demo', 'j1')), context: { 'ecs:cluster': OTHER_CLUSTER_ARN } },
      { action: 'ecs:RunTask', resource: td(commandTaskFamily('demo', 'j1')) }, // no cluster named
      { action: 'ecs:RunTask', resource: td(d.stack.workerTask.taskDefinition.family), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:RunTask', resource: td(d.stack.commands.driverTaskDefinition.family), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:RunTask', resource: td(jobTaskFamily('demo')), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:RunTask', resource: td(commandTaskFamily('demo2', 'j1')), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:RunTask', resource: td(commandTaskFamily('demo', 'j1'), 'us-east-1'), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:RunTask', resource: td(commandTaskFamily('demo', 'j1'), REGION, '999988887777'), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:StartTask', resource: td(commandTaskFamily('demo', 'j1')), context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:StopTask', resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/other/abc123`, context: { 'ecs:cluster': OTHER_CLUSTER_ARN } },
      { action: 'ecs:StopTask', resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/abc123`, context: { 'ecs:cluster': OTHER_CLUSTER_ARN } },
      { action: 'ecs:TagResource', resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/abc123` }, // tagging a running task
      { action: 'ecs:UpdateService', resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/hpo`, context: { 'ecs:cluster': CLUSTER_ARN } },
      { action: 'ecs:RegisterTaskDefinition', resource: '*' },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/cmd-task`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/worker-task`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      { action: 'ssm:PutParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${dojoParameterName('demo', 'status')}` },
      { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/dojo/demo2/cluster` },
      { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/dojo-cli/demo/tracking/MLFLOW_TRACKING_TOKEN` },
      { action: 'logs:GetLogEvents', resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:another:log-stream:x` },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::any-bucket/data/x' },
    ];
    for (const req of denied) expect(allowingStatements(s, req), JSON.stringify(req)).toEqual([]);
  });

  it('names the family prefix the provider registers command jobs under', () => {
    expect(d.stack.commands.familyPrefix).toBe(commandFamilyPrefix('demo'));
    expect(commandTaskFamily('demo', 'j-1')).toBe('dojo-demo-cmd-j-1');
  });
});

describe('command tasks', () => {
  it('run as a role that reads data/ and reads and writes artifacts/, nothing else', () => {
    const b = `<${ids().bucket}.Arn>`;
    expect(roleStatements(d.template, ids().taskRole)).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${b}/data/*`] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [b], Condition: { StringLike: { 's3:prefix': ['data/', 'data/*'] } } },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${b}/artifacts/*`] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [b], Condition: { StringLike: { 's3:prefix': ['artifacts/', 'artifacts/*'] } } },
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: [`${b}/artifacts/*`] },
    ]);
    const s = roleStatements(d.template, ids().taskRole, concreteNames());
    expect(allowingStatements(s, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/artifacts/x' })).toEqual([]);
  });

  it('start with an execution role that pulls from this account\'s registry in this region and writes the dojo log group', () => {
    expect(roleStatements(d.template, ids().executionRole)).toEqual([
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'PullUserImage',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: ['arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*'],
      },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`<${ids().logs}.Arn>`] },
    ]);
  });

  it('both command roles trust only ECS tasks', () => {
    for (const role of [d.stack.commands.taskRole, d.stack.commands.executionRole]) {
      const r = resourcesOf(d.template)[d.logicalId(role)];
      expect(r?.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } }],
      });
    }
  });
});

describe('the parameters of command jobs', () => {
  it('describe the driver, the roles and the family prefix; workers/gpus is 0 on a CPU type', () => {
    const value = (key: Parameters<typeof dojoParameterName>[1]): string => {
      const p = Object.values(resourcesOf(d.template)).find((r) => r.Type === 'AWS::SSM::Parameter' && r.Properties?.Name === dojoParameterName('demo', key));
      if (!p) throw new Error(`no parameter ${key}`);
      return renderValue(p.Properties?.Value);
    };
    const i = ids();
    expect(value('commandDriverTaskDefinition')).toBe(`<${d.logicalId(d.stack.commands.driverTaskDefinition)}>`);
    expect(value('commandDriverContainer')).toBe(DRIVER_CONTAINER_NAME);
    expect(value('commandTaskRole')).toBe(`<${i.taskRole}.Arn>`);
    expect(value('commandExecutionRole')).toBe(`<${i.executionRole}.Arn>`);
    expect(value('commandFamilyPrefix')).toBe('dojo-demo-cmd-');
    expect(value('workerGpus')).toBe('0');
  });
});
