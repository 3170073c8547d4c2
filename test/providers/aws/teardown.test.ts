import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeAutoScalingGroupsCommand, SetInstanceProtectionCommand, TerminateInstanceInAutoScalingGroupCommand, UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeStacksCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeAddressesCommand, DescribeInstancesCommand, DescribeNatGatewaysCommand, DescribeNetworkInterfacesCommand, DescribeSnapshotsCommand,
  DescribeSecurityGroupsCommand, DescribeVolumesCommand, DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { BatchDeleteImageCommand, BatchGetImageCommand } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, DescribeTasksCommand, ListTagsForResourceCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand, ListTasksCommand, StopTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DeleteObjectsCommand, HeadBucketCommand, ListObjectVersionsCommand, NotFound } from '@aws-sdk/client-s3';
import { DeleteParameterCommand, DeleteParametersCommand, GetParameterCommand, GetParametersByPathCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { handler as rmHandler } from '../../../lib/cli/commands/rm/index';
import { DOJO_TAG_KEY } from '../../../lib/infra/parameters';
import { DOJO_ID, REGION, RecordingDeployer, STACK, awsMocks, params, provider, tempHome } from './harness';

const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
let d: RecordingDeployer;
let destroyed: boolean;
let order: string[];
const TAGS = ['a'.repeat(64), 'b'.repeat(64)];
const REPO = `cdk-hnb659fds-container-assets-111122223333-${REGION}`;
const tdArn = (familyAndRevision: string) => `arn:aws:ecs:${REGION}:111122223333:task-definition/${familyAndRevision}`;
const JOBS_TD = tdArn(`dojo-${DOJO_ID}-jobs:1`);
const CMD_TD = tdArn(`dojo-${DOJO_ID}-cmd-job-1:2`);

const notExist = () => Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' });

/** A deployed dojo whose teardown succeeds; tests add leftovers on top. */
function deployedDojo() {
  destroyed = false;
  order = [];
  d = new RecordingDeployer();
  d.onDestroy = () => {
    order.push('destroy');
    destroyed = true;
  };
  mocks.ssm.on(GetParametersByPathCommand).callsFake(() => ({ Parameters: destroyed ? [] : params() }));
  mocks.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0dojo' }] });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:t/job1'] });
  mocks.ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'arn:t/job1', startedBy: 'job-0000aaaa' }] });
  let scaled = false;
  mocks.asg.on(UpdateAutoScalingGroupCommand).callsFake(() => {
    order.push('scale');
    scaled = true;
    return {};
  });
  mocks.asg.on(SetInstanceProtectionCommand).callsFake(() => (order.push('unprotect'), {}));
  let polls = 0;
  mocks.asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
    // Instances go once the groups are scaled and one describe has seen them.
    const gone = scaled && polls++ > 0;
    return {
      AutoScalingGroups: [
        { AutoScalingGroupName: 'mgr-asg', Instances: gone ? [] : [{ InstanceId: 'i-mgr', ProtectedFromScaleIn: false, LifecycleState: 'InService' }] },
        { AutoScalingGroupName: 'wrk-asg', Instances: gone ? [] : [{ InstanceId: 'i-w1', ProtectedFromScaleIn: true, LifecycleState: 'InService' }] },
      ],
    };
  });
  mocks.s3.on(ListObjectVersionsCommand, { KeyMarker: undefined }).resolves({
    Versions: [{ Key: 'data/a.csv', VersionId: 'null' }, { Key: 'artifacts/m.bin', VersionId: 'v1' }],
    IsTruncated: true,
    NextKeyMarker: 'artifacts/m.bin',
    NextVersionIdMarker: 'v1',
  });
  mocks.s3.on(ListObjectVersionsCommand, { KeyMarker: 'artifacts/m.bin' }).resolves({ DeleteMarkers: [{ Key: 'data/b.csv', VersionId: 'dm1' }], IsTruncated: false });
  mocks.s3.on(DeleteObjectsCommand).callsFake(() => (order.push('empty'), {}));
  mocks.s3.on(HeadBucketCommand).rejects(new NotFound({ message: 'Not Found', $metadata: {} }));
  mocks.cfn.on(DescribeStacksCommand).callsFake(() => {
    if (destroyed) throw notExist();
    return { Stacks: [{ StackName: STACK, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] };
  });
  mocks.cfn.on(ListStacksCommand).resolves({ StackSummaries: [] });
  let lambdaLogs = true;
  mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: `/aws/lambda/${STACK}-` }).callsFake(() => ({ logGroups: lambdaLogs ? [{ logGroupName: `/aws/lambda/${STACK}-AutoDelete` }] : [] }));
  mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: `${STACK}-` }).resolves({ logGroups: [] });
  mocks.logs.on(DeleteLogGroupCommand).callsFake(() => ((lambdaLogs = false), {}));
  mocks.ecs.on(ListTaskDefinitionsCommand, { familyPrefix: `dojo-${DOJO_ID}-jobs` }).resolves({ taskDefinitionArns: [JOBS_TD] });
  mocks.ecs.on(ListTaskDefinitionFamiliesCommand, { familyPrefix: `dojo-${DOJO_ID}-cmd-` }).resolves({ families: [`dojo-${DOJO_ID}-cmd-job-1`] });
  mocks.ecs.on(ListTaskDefinitionsCommand, { familyPrefix: `dojo-${DOJO_ID}-cmd-job-1` }).resolves({ taskDefinitionArns: [CMD_TD] });
  mocks.ecs.on(ListTagsForResourceCommand, { resourceArn: CMD_TD }).resolves({ tags: [{ key: DOJO_TAG_KEY, value: DOJO_ID }, { key: 'dojo:job', value: 'job-1' }] });
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' });
  mocks.ecr.on(BatchDeleteImageCommand).resolves({ imageIds: TAGS.map((imageTag) => ({ imageTag })) });
  mocks.ecr.on(BatchGetImageCommand).resolves({ images: [] });
  mocks.tagging.on(GetResourcesCommand, { PaginationToken: undefined }).resolves({
    // The Tagging API still lists a terminated instance for a while: the EC2 scan decides for those.
    ResourceTagMappingList: [{ ResourceARN: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-mgr' }],
    PaginationToken: 'tp2',
  });
  mocks.tagging.on(GetResourcesCommand, { PaginationToken: 'tp2' }).resolves({ ResourceTagMappingList: [], PaginationToken: '' });
  writeFileSync(join(t.home, DOJO_ID, 'aws.json'), JSON.stringify({ assetImageTags: TAGS }));
}

beforeEach(() => {
  mocks.reset();
  t = tempHome();
  deployedDojo();
});
afterEach(() => t.cleanup());
afterAll(() => mocks.restore());

describe('dojo rm (AWS)', () => {
  it('clean teardown: the whole sequence with its exact requests, then 0 billable resources remain', async () => {
    // CloudFormation left one parameter behind (e.g. rewritten outside the stack): the CLI deletes it.
    let leftover = true;
    mocks.ssm.on(GetParametersByPathCommand).callsFake(() => {
      if (!destroyed) return { Parameters: params() };
      const out = leftover ? [{ Name: `/dojo/${DOJO_ID}/status`, Value: 'active' }] : [];
      return { Parameters: out };
    });
    mocks.ssm.on(DeleteParametersCommand).callsFake(() => ((leftover = false), {}));
    const lines: string[] = [];
    const r = await provider(t.home, d).remove(DOJO_ID, (m) => lines.push(m));
    expect(r).toEqual({ id: DOJO_ID, remaining: [] });
    expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'dojo-cluster-X', task: 'arn:t/job1', reason: `dojo rm ${DOJO_ID}` }]);
    expect(mocks.ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.desiredCount)).toEqual([0, 0]);
    expect(mocks.asg.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'mgr-asg', MinSize: 0, DesiredCapacity: 0 },
      { AutoScalingGroupName: 'wrk-asg', MinSize: 0, DesiredCapacity: 0 },
    ]);
    // Only the protected instance is unprotected.
    expect(mocks.asg.commandCalls(SetInstanceProtectionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'wrk-asg', InstanceIds: ['i-w1'], ProtectedFromScaleIn: false },
    ]);
    // Bucket emptied page by page (versions and delete markers).
    expect(mocks.s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'dojo-bucket-x', KeyMarker: undefined, VersionIdMarker: undefined },
      { Bucket: 'dojo-bucket-x', KeyMarker: 'artifacts/m.bin', VersionIdMarker: 'v1' },
    ]);
    expect(mocks.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'dojo-bucket-x', Delete: { Objects: [{ Key: 'data/a.csv', VersionId: 'null' }, { Key: 'artifacts/m.bin', VersionId: 'v1' }], Quiet: true } },
      { Bucket: 'dojo-bucket-x', Delete: { Objects: [{ Key: 'data/b.csv', VersionId: 'dm1' }], Quiet: true } },
    ]);
    expect(order).toEqual(['scale', 'scale', 'unprotect', 'empty', 'empty', 'destroy']);
    expect(d.calls).toEqual([{ op: 'destroy', target: { dojoId: DOJO_ID, region: REGION, context: expect.objectContaining({ dojoId: DOJO_ID }) as unknown } }]);
    expect(mocks.ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: `/dojo-cli/${DOJO_ID}/config` }]);
    expect(mocks.ssm.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input)).toEqual([{ Names: [`/dojo/${DOJO_ID}/status`] }]);
    expect(mocks.logs.commandCalls(DeleteLogGroupCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: `/aws/lambda/${STACK}-AutoDelete` }]);
    expect(mocks.ecs.commandCalls(ListTaskDefinitionsCommand).map((c) => c.args[0].input)).toEqual([
      { familyPrefix: `dojo-${DOJO_ID}-jobs`, status: 'ACTIVE', nextToken: undefined },
      { familyPrefix: `dojo-${DOJO_ID}-cmd-job-1`, status: 'ACTIVE', nextToken: undefined },
    ]);
    expect(mocks.ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input)).toEqual([{ taskDefinition: JOBS_TD }, { taskDefinition: CMD_TD }]);
    expect(mocks.ecs.commandCalls(DeleteTaskDefinitionsCommand).map((c) => c.args[0].input)).toEqual([{ taskDefinitions: [JOBS_TD, CMD_TD] }]);
    expect(mocks.ecr.commandCalls(BatchDeleteImageCommand).map((c) => c.args[0].input)).toEqual([{ repositoryName: REPO, imageIds: TAGS.map((imageTag) => ({ imageTag })) }]);
    // The scan: every place, with the dojo's tag filter.
    const tag = { Name: 'tag:dojo:id', Values: [DOJO_ID] };
    expect(mocks.tagging.commandCalls(GetResourcesCommand).map((c) => c.args[0].input)).toEqual([
      { TagFilters: [{ Key: 'dojo:id', Values: [DOJO_ID] }], PaginationToken: undefined },
      { TagFilters: [{ Key: 'dojo:id', Values: [DOJO_ID] }], PaginationToken: 'tp2' },
    ]);
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [tag, { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] }],
      NextToken: undefined,
    });
    expect(mocks.ec2.commandCalls(DescribeVolumesCommand)[0]!.args[0].input).toEqual({ Filters: [tag], NextToken: undefined });
    expect(mocks.ec2.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input).toEqual({ OwnerIds: ['self'], Filters: [tag], NextToken: undefined });
    expect(mocks.ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [tag], NextToken: undefined },
      { Filters: [{ Name: 'vpc-id', Values: ['vpc-0dojo'] }], NextToken: undefined },
    ]);
    expect(mocks.ec2.commandCalls(DescribeAddressesCommand)[0]!.args[0].input).toEqual({ Filters: [tag] });
    expect(mocks.ec2.commandCalls(DescribeNatGatewaysCommand)[0]!.args[0].input).toEqual({
      Filter: [tag, { Name: 'state', Values: ['pending', 'available', 'deleting', 'failed'] }],
      NextToken: undefined,
    });
    expect(mocks.ecr.commandCalls(BatchGetImageCommand)[0]!.args[0].input).toEqual({ repositoryName: REPO, imageIds: TAGS.map((imageTag) => ({ imageTag })) });
    expect(mocks.s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'dojo-bucket-x' });
    expect(existsSync(join(t.home, DOJO_ID))).toBe(false);
    expect(lines).toContain('scanning for anything left');
  });

  it('leftovers (unattached EBS volume, lingering ENI, instance still shutting down) are listed and the dojo stays recorded', async () => {
    // Two pages of volumes: the second holds the leftover.
    mocks.ec2.on(DescribeVolumesCommand, { NextToken: undefined }).resolves({ Volumes: [], NextToken: 'v2' });
    mocks.ec2.on(DescribeVolumesCommand, { NextToken: 'v2' }).resolves({ Volumes: [{ VolumeId: 'vol-0left', State: 'available', Size: 30 }] });
    mocks.ec2.on(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'vpc-id', Values: ['vpc-0dojo'] }] }).resolves({
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0left', Status: 'available' }],
    });
    mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0slow', State: { Name: 'shutting-down' } }] }] });
    mocks.tagging.on(GetResourcesCommand, { PaginationToken: 'tp2' }).resolves({ ResourceTagMappingList: [{ ResourceARN: 'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0dojo' }] });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(r.remaining).toEqual([
      'tagged resource arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0dojo',
      'EC2 instance i-0slow (shutting-down)',
      'EBS volume vol-0left (available, 30 GiB)',
      'network interface eni-0left (available)',
    ]);
    expect(mocks.ec2.commandCalls(DescribeVolumesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'v2']);
    expect(existsSync(join(t.home, DOJO_ID, 'config.json'))).toBe(true);
  });

  it('a Tagging API answer naming deleted resources does not fail rm: each ARN is asked of its own service', async () => {
    const arn = (svc: string, res: string) => `arn:aws:${svc}:${REGION}:111122223333:${res}`;
    mocks.tagging.on(GetResourcesCommand, { PaginationToken: 'tp2' }).resolves({
      ResourceTagMappingList: [
        { ResourceARN: arn('ec2', 'vpc/vpc-0gone') },
        { ResourceARN: arn('ecs', 'cluster/dojo-cluster-X') },
        { ResourceARN: arn('ecs', 'task-definition/worker:1') },
        { ResourceARN: arn('ecs', 'task-definition/dojo-jobs:2') },
        { ResourceARN: arn('ssm', 'parameter/dojo/x/status') },
        { ResourceARN: arn('logs', `log-group:${STACK}-Logs1`) },
        { ResourceARN: arn('lambda', 'function:dojo-fn') },
      ],
    });
    mocks.ec2.on(DescribeVpcsCommand, { VpcIds: ['vpc-0gone'] }).rejects(Object.assign(new Error("The vpc ID 'vpc-0gone' does not exist"), { name: 'InvalidVpcID.NotFound' }));
    mocks.ecs.on(DescribeClustersCommand).resolves({ clusters: [{ clusterArn: arn('ecs', 'cluster/dojo-cluster-X'), status: 'INACTIVE' }] });
    // Deregistered task definitions keep their tags and bill nothing; a registered one is a leftover.
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: arn('ecs', 'task-definition/worker:1') }).resolves({ taskDefinition: { status: 'INACTIVE' } });
    mocks.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: arn('ecs', 'task-definition/dojo-jobs:2') }).resolves({ taskDefinition: { status: 'ACTIVE' } });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(r.remaining).toEqual([
      `tagged resource ${arn('ecs', 'task-definition/dojo-jobs:2')} (ACTIVE)`,
      `tagged resource ${arn('lambda', 'function:dojo-fn')} (its service was not asked)`,
    ]);
    expect(mocks.ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toContain('/dojo/x/status');
  });

  it('a clean teardown whose Tagging API answer lists only deleted resources ends with nothing remaining', async () => {
    mocks.tagging.on(GetResourcesCommand, { PaginationToken: 'tp2' }).resolves({
      ResourceTagMappingList: [
        { ResourceARN: `arn:aws:ec2:${REGION}:111122223333:security-group/sg-0gone` },
        { ResourceARN: `arn:aws:ecs:${REGION}:111122223333:task-definition/worker:1` },
      ],
    });
    mocks.ec2.on(DescribeSecurityGroupsCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidGroup.NotFound' }));
    mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { status: 'INACTIVE' } });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(r.remaining).toEqual([]);
    expect(existsSync(join(t.home, DOJO_ID))).toBe(false);
  });

  it('log groups of the dojo are found page by page and deleted; one that cannot be deleted is a leftover', async () => {
    mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: `${STACK}-`, nextToken: undefined }).resolves({ logGroups: [{ logGroupName: `${STACK}-Logs1` }], nextToken: 'l2' });
    mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: `${STACK}-`, nextToken: 'l2' }).resolves({ logGroups: [{ logGroupName: `${STACK}-FlowLogs2` }] });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(mocks.logs.commandCalls(DeleteLogGroupCommand).map((c) => c.args[0].input.logGroupName)).toEqual([
      `${STACK}-Logs1`,
      `${STACK}-FlowLogs2`,
      `/aws/lambda/${STACK}-AutoDelete`,
    ]);
    // The mock keeps listing the first two (as if deletion were refused): the scan reports them.
    expect(r.remaining).toEqual([`log group ${STACK}-Logs1`, `log group ${STACK}-FlowLogs2`]);
  });

  it('another dojo whose name starts with this one\'s (`<id>-cmd-x`): its log groups and job task definitions under the same prefixes are left alone', async () => {
    const other = `${DOJO_ID}-cmd-x`;
    const otherTd = tdArn(`dojo-${other}-cmd-j1:1`);
    const otherJobsTd = tdArn(`dojo-${DOJO_ID}-jobs-x-jobs:1`);
    mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: `${STACK}-` }).resolves({ logGroups: [{ logGroupName: `${STACK}-Logs8A1B-QW3E5R7T9Y` }, { logGroupName: `dojo-${other}-Logs8A1B-ZX2C4V6B8N` }] });
    mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: `/aws/lambda/${STACK}-` }).resolves({ logGroups: [{ logGroupName: `/aws/lambda/dojo-${other}-AutoDeleteHandler-1A2B3C` }] });
    mocks.ecs.on(ListTaskDefinitionFamiliesCommand, { familyPrefix: `dojo-${DOJO_ID}-cmd-` }).resolves({ families: [`dojo-${DOJO_ID}-cmd-job-1`, `dojo-${other}-cmd-j1`] });
    mocks.ecs.on(ListTaskDefinitionsCommand, { familyPrefix: `dojo-${other}-cmd-j1` }).resolves({ taskDefinitionArns: [otherTd] });
    mocks.ecs.on(ListTagsForResourceCommand, { resourceArn: otherTd }).resolves({ tags: [{ key: DOJO_TAG_KEY, value: other }] });
    // Some implementations match ListTaskDefinitions' familyPrefix as a prefix: dojo `<id>-jobs-x`'s family too.
    mocks.ecs.on(ListTaskDefinitionsCommand, { familyPrefix: `dojo-${DOJO_ID}-jobs` }).resolves({ taskDefinitionArns: [JOBS_TD, otherJobsTd] });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(mocks.logs.commandCalls(DeleteLogGroupCommand).map((c) => c.args[0].input.logGroupName)).toEqual([`${STACK}-Logs8A1B-QW3E5R7T9Y`]);
    expect(mocks.ecs.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([JOBS_TD, CMD_TD]);
    expect(mocks.ecs.commandCalls(DeleteTaskDefinitionsCommand).map((c) => c.args[0].input.taskDefinitions)).toEqual([[JOBS_TD, CMD_TD]]);
    // The scan after it lists only this dojo's group (still there in the mock), not the other dojo's.
    expect(r.remaining.filter((x) => x.startsWith('log group'))).toEqual([`log group ${STACK}-Logs8A1B-QW3E5R7T9Y`]);
  });

  it('a stack stuck by scale-in protection: destroy fails, protection is lifted, the instance terminated, destroy retried', async () => {
    let attempts = 0;
    let stuck = false;
    d.onDestroy = () => {
      order.push('destroy');
      if (attempts++ === 0) {
        // ECS managed scaling launched a worker for a pending task during the teardown, protected from scale-in.
        stuck = true;
        throw new Error(`The stack named ${STACK} is in a failed state: DELETE_FAILED (Resource handler returned message: "ASG has protected instances")`);
      }
      destroyed = true;
    };
    mocks.asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'wrk-asg',
          // Scaled to 0, the protected instance stays until its protection is lifted.
          Instances: !order.includes('unprotect')
            ? [{ InstanceId: 'i-w1', ProtectedFromScaleIn: true, LifecycleState: 'InService' }]
            : stuck && !order.includes('terminate')
              ? [{ InstanceId: 'i-stuck', ProtectedFromScaleIn: true, LifecycleState: 'InService' }]
              : [],
        },
      ],
    }));
    mocks.asg.on(TerminateInstanceInAutoScalingGroupCommand).callsFake(() => (order.push('terminate'), {}));
    const p = provider(t.home, d);
    const lines: string[] = [];
    const r = await p.remove(DOJO_ID, (m) => lines.push(m));
    expect(r.remaining).toEqual([]);
    expect(d.calls.map((c) => c.op)).toEqual(['destroy', 'destroy']);
    expect(mocks.asg.commandCalls(SetInstanceProtectionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'wrk-asg', InstanceIds: ['i-w1'], ProtectedFromScaleIn: false },
      { AutoScalingGroupName: 'wrk-asg', InstanceIds: ['i-stuck'], ProtectedFromScaleIn: false },
    ]);
    expect(order.slice(order.indexOf('destroy'))).toEqual(['destroy', 'unprotect', 'terminate', 'destroy']);
    expect(mocks.asg.commandCalls(TerminateInstanceInAutoScalingGroupCommand)[0]!.args[0].input).toEqual({ InstanceId: 'i-stuck', ShouldDecrementDesiredCapacity: true });
    expect(order.indexOf('unprotect')).toBeLessThan(order.indexOf('destroy'));
    expect(lines.some((l) => l.startsWith('destroy failed (The stack named') && l.endsWith('lifting scale-in protection and retrying'))).toBe(true);
  });

  it('--keep-data: the bucket is not emptied, the stack is updated to retain it before destroy; bucket and volume are kept, not leftovers', async () => {
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-0data', State: 'available', Size: 20 }] });
    mocks.tagging.on(GetResourcesCommand, { PaginationToken: 'tp2' }).resolves({ ResourceTagMappingList: [{ ResourceARN: 'arn:aws:s3:::dojo-bucket-x' }] });
    const lines: string[] = [];
    const r = await provider(t.home, d).remove(DOJO_ID, (m) => lines.push(m), { keepData: true });
    expect(r.remaining).toEqual([]);
    expect(mocks.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(d.calls.map((c) => [c.op, c.target.context.keepData])).toEqual([
      ['deploy', 'true'],
      ['destroy', 'true'],
    ]);
    expect(lines).toContain("kept: EBS volume vol-0data (available, 20 GiB): the manager's data (--keep-data)");
    expect(lines).toContain("kept: S3 bucket dojo-bucket-x: the dojo's data (--keep-data)");
  });

  it('asset images shared with another live dojo stack are kept, not deleted', async () => {
    mocks.cfn.on(ListStacksCommand).resolves({ StackSummaries: [{ StackName: 'dojo-dojo-ffff0000', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    mocks.ecr.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: TAGS[0] } }] });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(mocks.ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
    expect(r.remaining).toEqual([]);
  });

  it('an ECR asset image left behind is a leftover', async () => {
    mocks.ecr.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: TAGS[1] } }] });
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(r.remaining).toEqual([`ECR image ${REPO}:${TAGS[1]}`]);
  });
});

describe('dojo rm: asset tags and undeployed dojos', () => {
  it('without recorded asset tags (stack deployed by `npx cdk deploy`) synthesizes to find them', async () => {
    rmSync(join(t.home, DOJO_ID, 'aws.json'));
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(d.calls.map((c) => c.op)).toEqual(['synth', 'destroy']);
    expect(mocks.ecr.commandCalls(BatchDeleteImageCommand)[0]!.args[0].input.imageIds).toEqual([{ imageTag: 'a'.repeat(64) }]);
    expect(r.remaining).toEqual([]);
  });

  it('a dojo that was never deployed: nothing to stop or destroy, the scan still runs, 0 remain', async () => {
    rmSync(join(t.home, DOJO_ID, 'aws.json'));
    destroyed = true;
    const r = await provider(t.home, d).remove(DOJO_ID);
    expect(d.calls).toEqual([]);
    expect(mocks.asg.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
    expect(mocks.tagging.commandCalls(GetResourcesCommand).length).toBeGreaterThan(0);
    expect(r.remaining).toEqual([]);
  });
});

describe('dojo rm ID --yes (the command)', () => {
  it('prints the list and exits 1 while something remains; once gone prints "0 billable resources remain" and exits 0', async () => {
    // The stack is gone already (a second `dojo rm` after a partial teardown): no deploy/destroy.
    destroyed = true;
    mocks.ec2.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [{ VolumeId: 'vol-0left', State: 'available', Size: 30 }] }).resolves({ Volumes: [] });
    const io = memoryIo({ DOJO_HOME: t.home });
    const code = await rmHandler([DOJO_ID], { yes: true, json: false, keepData: false }, { io, debug: false });
    expect(code).toBe(1);
    expect(io.stdout).toEqual([`1 thing(s) of ${DOJO_ID} remain:`, '  EBS volume vol-0left (available, 30 GiB)']);
    const io2 = memoryIo({ DOJO_HOME: t.home });
    const code2 = await rmHandler([DOJO_ID], { yes: true, json: false, keepData: false }, { io: io2, debug: false });
    expect(code2).toBe(0);
    expect(io2.stdout.join('\n')).toMatch(/0 billable resources remain/);
    expect(existsSync(join(t.home, DOJO_ID))).toBe(false);
  });
});
