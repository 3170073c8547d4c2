// The proof of `dojo rm`: after the teardown, look everywhere a dojo leaves billable (or merely
// owned) things and list what is still there. An empty list is "0 billable resources remain".
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeAddressesCommand, DescribeInstancesCommand, DescribeNatGatewaysCommand, DescribeNetworkInterfacesCommand,
  DescribeSnapshotsCommand, DescribeVolumesCommand, type Filter,
} from '@aws-sdk/client-ec2';
import { BatchGetImageCommand } from '@aws-sdk/client-ecr';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DOJO_TAG_KEY, dojoParameterPrefix } from '../../infra/parameters';
import type { AwsClients } from './clients';
import { isAwsError } from './errors';
import { cliConfigParameterName, dojoLogGroupPrefixes, isStackLogGroup } from './names';
import { listParameters } from './params';
import { taggedResourceState } from './verify';

/** Where to look. */
export interface ScanSpec {
  readonly dojoId: string;
  readonly stackName: string;
  /** The dojo's VPC (found before the teardown): ENIs in it are the dojo's even untagged. */
  readonly vpcId?: string;
  /** The dojo's bucket (from its parameters before the teardown). */
  readonly bucket?: string;
  /** What `--keep-data` keeps on purpose: listed as kept, not as remaining. */
  readonly kept: { readonly bucket?: string; readonly volumeId?: string };
  /** The bootstrap ECR repository and the dojo's asset image tags in it. */
  readonly assetRepository?: string;
  readonly assetImageTags: readonly string[];
  /** Asset images that other live dojos still use (not the dojo's to delete). */
  readonly sharedImages: boolean;
}

/** What the scan found. */
export interface ScanResult {
  /** Resources that should be gone and are not (each a one-line description). */
  readonly remaining: string[];
  /** Resources left on purpose (--keep-data, images shared with other dojos). */
  readonly kept: string[];
}

// EC2 resources the scan checks below by their state; every other tagged ARN is asked of its own
// service (verify.ts), because the Tagging API lists resources for a while after they are gone.
const EC2_CHECKED = /^arn:aws[a-z-]*:ec2:[^:]*:[^:]*:(instance|volume|snapshot|network-interface|elastic-ip|natgateway)\//;

/** Lists every remaining resource of the dojo. */
export async function scanLeftovers(c: AwsClients, s: ScanSpec): Promise<ScanResult> {
  const remaining: string[] = [];
  const kept: string[] = [];
  const tag: Filter = { Name: `tag:${DOJO_TAG_KEY}`, Values: [s.dojoId] };

  try {
    const r = await c.cfn.send(new DescribeStacksCommand({ StackName: s.stackName }));
    for (const st of r.Stacks ?? []) if (st.StackStatus !== 'DELETE_COMPLETE') remaining.push(`CloudFormation stack ${s.stackName} (${st.StackStatus})`);
  } catch (e) {
    if (!(isAwsError(e, 'ValidationError') && /does not exist/.test(String((e as Error).message)))) throw e;
  }

  const tagged = await paged(async (PaginationToken) => {
    const r = await c.tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: DOJO_TAG_KEY, Values: [s.dojoId] }], PaginationToken }));
    return { items: r.ResourceTagMappingList ?? [], next: r.PaginationToken };
  });
  for (const m of tagged) {
    const arn = m.ResourceARN ?? '';
    if (EC2_CHECKED.test(arn)) continue;
    if (s.kept.bucket && arn === `arn:aws:s3:::${s.kept.bucket}`) continue;
    const state = await taggedResourceState(c, arn);
    if (state.kind === 'gone') continue;
    remaining.push(`tagged resource ${arn}${state.kind === 'unverified' ? ' (its service was not asked)' : state.state ? ` (${state.state})` : ''}`);
  }

  const states = { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] };
  const instances = await paged(async (NextToken) => {
    const r = await c.ec2.send(new DescribeInstancesCommand({ Filters: [tag, states], NextToken }));
    return { items: (r.Reservations ?? []).flatMap((x) => x.Instances ?? []), next: r.NextToken };
  });
  for (const i of instances) remaining.push(`EC2 instance ${i.InstanceId} (${i.State?.Name})`);

  const volumes = await paged(async (NextToken) => {
    const r = await c.ec2.send(new DescribeVolumesCommand({ Filters: [tag], NextToken }));
    return { items: r.Volumes ?? [], next: r.NextToken };
  });
  for (const v of volumes) {
    const line = `EBS volume ${v.VolumeId} (${v.State}, ${v.Size} GiB)`;
    if (v.VolumeId === s.kept.volumeId) kept.push(`${line}: the manager's data (--keep-data)`);
    else remaining.push(line);
  }

  const snapshots = await paged(async (NextToken) => {
    const r = await c.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [tag], NextToken }));
    return { items: r.Snapshots ?? [], next: r.NextToken };
  });
  for (const sn of snapshots) remaining.push(`EBS snapshot ${sn.SnapshotId} (${sn.VolumeSize} GiB)`);

  const enis = new Map<string, string>();
  for (const f of [[tag], ...(s.vpcId ? [[{ Name: 'vpc-id', Values: [s.vpcId] }]] : [])]) {
    const found = await paged(async (NextToken) => {
      const r = await c.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: f, NextToken }));
      return { items: r.NetworkInterfaces ?? [], next: r.NextToken };
    });
    for (const n of found) if (n.NetworkInterfaceId) enis.set(n.NetworkInterfaceId, `network interface ${n.NetworkInterfaceId} (${n.Status})`);
  }
  remaining.push(...enis.values());

  const addrs = await c.ec2.send(new DescribeAddressesCommand({ Filters: [tag] }));
  for (const a of addrs.Addresses ?? []) remaining.push(`Elastic IP ${a.PublicIp} (${a.AllocationId})`);

  const nats = await paged(async (NextToken) => {
    const r = await c.ec2.send(new DescribeNatGatewaysCommand({ Filter: [tag, { Name: 'state', Values: ['pending', 'available', 'deleting', 'failed'] }], NextToken }));
    return { items: r.NatGateways ?? [], next: r.NextToken };
  });
  for (const g of nats) remaining.push(`NAT gateway ${g.NatGatewayId} (${g.State})`);

  for (const g of await dojoLogGroups(c, s.stackName)) remaining.push(`log group ${g}`);

  for (const p of await listParameters(c.ssm, dojoParameterPrefix(s.dojoId))) remaining.push(`SSM parameter ${p.Name}`);
  try {
    await c.ssm.send(new GetParameterCommand({ Name: cliConfigParameterName(s.dojoId) }));
    remaining.push(`SSM parameter ${cliConfigParameterName(s.dojoId)}`);
  } catch (e) {
    if (!isAwsError(e, 'ParameterNotFound')) throw e;
  }

  if (s.bucket) {
    try {
      await c.s3.send(new HeadBucketCommand({ Bucket: s.bucket }));
      if (s.kept.bucket === s.bucket) kept.push(`S3 bucket ${s.bucket}: the dojo's data (--keep-data)`);
      else remaining.push(`S3 bucket ${s.bucket}`);
    } catch (e) {
      if (!isAwsError(e, 'NotFound', 'NoSuchBucket')) throw e;
    }
  }

  if (s.assetRepository && s.assetImageTags.length > 0) {
    try {
      const r = await c.ecr.send(new BatchGetImageCommand({ repositoryName: s.assetRepository, imageIds: s.assetImageTags.map((imageTag) => ({ imageTag })) }));
      for (const img of r.images ?? []) {
        const line = `ECR image ${s.assetRepository}:${img.imageId?.imageTag}`;
        if (s.sharedImages) kept.push(`${line}: also used by another dojo stack in this region`);
        else remaining.push(line);
      }
    } catch (e) {
      if (!isAwsError(e, 'RepositoryNotFoundException')) throw e;
    }
  }
  return { remaining, kept };
}

/** Every item of a paginated API: fetch(token) until the answer has no next token. */
export async function paged<T>(fetch: (token: string | undefined) => Promise<{ items: readonly T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.next || undefined;
  } while (token);
  return out;
}

/** Names of the dojo's log groups (CDK-generated names and custom-resource Lambda logs), not another dojo's under the same prefix. */
export async function dojoLogGroups(c: AwsClients, stackName: string): Promise<string[]> {
  const out: string[] = [];
  for (const logGroupNamePrefix of dojoLogGroupPrefixes(stackName)) {
    const groups = await paged(async (nextToken) => {
      const r = await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix, nextToken }));
      return { items: r.logGroups ?? [], next: r.nextToken };
    });
    for (const g of groups) if (g.logGroupName && isStackLogGroup(stackName, g.logGroupName)) out.push(g.logGroupName);
  }
  return out;
}
