// Whether a resource the Tagging API lists still exists. That API keeps returning deleted
// resources for a while after they are gone, and deregistered task definitions keep their tags
// forever, so each ARN is asked of its own service before the scan calls it a leftover.
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeFlowLogsCommand, DescribeInternetGatewaysCommand, DescribeLaunchTemplatesCommand, DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcEndpointsCommand, DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand, DescribeClustersCommand, DescribeContainerInstancesCommand, DescribeServicesCommand,
  DescribeTaskDefinitionCommand, DescribeTasksCommand,
} from '@aws-sdk/client-ecs';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from './clients';
import { isAwsError } from './errors';

/** What one tagged ARN turned out to be. */
export type TaggedResourceState =
  /** Exists (and bills or is owned); `state` says how the service describes it. */
  | { readonly kind: 'exists'; readonly state?: string }
  /** Deleted, or in a state that bills nothing (e.g. an INACTIVE task definition). */
  | { readonly kind: 'gone' }
  /** A service the scan cannot ask: reported as found, marked unverified. */
  | { readonly kind: 'unverified' };

/** The parts of an ARN: `arn:partition:service:region:account:resource`. */
export function parseArn(arn: string): { service: string; resource: string } | undefined {
  const m = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.+)$/.exec(arn);
  return m ? { service: m[1]!, resource: m[2]! } : undefined;
}

const EXISTS = (state?: string): TaggedResourceState => ({ kind: 'exists', state });
const GONE: TaggedResourceState = { kind: 'gone' };

// Each service's "no such resource" errors: ids of deleted EC2 resources answer *.NotFound.
function isMissing(e: unknown): boolean {
  const name = e && typeof e === 'object' && 'name' in e ? String(e.name) : '';
  return /NotFound$|\.Malformed$/.test(name) || isAwsError(e, 'ParameterNotFound', 'NoSuchBucket', 'NotFound', 'ClusterNotFoundException', 'ResourceNotFoundException');
}

async function ask(fn: () => Promise<TaggedResourceState>): Promise<TaggedResourceState> {
  try {
    return await fn();
  } catch (e) {
    if (isMissing(e)) return GONE;
    // ECS answers ClientException "Unable to describe task definition" for a deleted one.
    if (isAwsError(e, 'ClientException') && /unable to describe|does not exist|not found/i.test(String((e as Error).message))) return GONE;
    throw e;
  }
}

async function ec2State(c: AwsClients, type: string, id: string): Promise<TaggedResourceState> {
  const some = (n: number | undefined) => ((n ?? 0) > 0 ? EXISTS() : GONE);
  switch (type) {
    case 'vpc':
      return some((await c.ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.length);
    case 'subnet':
      return some((await c.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.length);
    case 'security-group':
      return some((await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.length);
    case 'route-table':
      return some((await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.length);
    case 'internet-gateway':
      return some((await c.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))).InternetGateways?.length);
    case 'launch-template':
      return some((await c.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates?.length);
    case 'vpc-flow-log':
      return some((await c.ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }))).FlowLogs?.length);
    case 'vpc-endpoint': {
      const e = (await c.ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints?.[0];
      return e && !['deleted', 'Deleted'].includes(String(e.State)) ? EXISTS(String(e.State)) : GONE;
    }
    default:
      return { kind: 'unverified' };
  }
}

async function ecsState(c: AwsClients, arn: string, resource: string): Promise<TaggedResourceState> {
  const [type, ...rest] = resource.split('/');
  const cluster = rest.length > 1 ? rest[0] : undefined;
  switch (type) {
    case 'cluster': {
      const cl = (await c.ecs.send(new DescribeClustersCommand({ clusters: [arn] }))).clusters?.[0];
      return cl && cl.status !== 'INACTIVE' ? EXISTS(cl.status) : GONE;
    }
    case 'service': {
      if (!cluster) return { kind: 'unverified' };
      const s = (await c.ecs.send(new DescribeServicesCommand({ cluster, services: [arn] }))).services?.[0];
      return s && s.status !== 'INACTIVE' ? EXISTS(s.status) : GONE;
    }
    case 'task-definition': {
      // An INACTIVE (deregistered) task definition bills nothing and keeps its tags.
      const td = (await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition;
      return td && td.status === 'ACTIVE' ? EXISTS(td.status) : GONE;
    }
    case 'task': {
      if (!cluster) return { kind: 'unverified' };
      const t = (await c.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }))).tasks?.[0];
      return t && t.lastStatus !== 'STOPPED' && t.lastStatus !== 'DELETED' ? EXISTS(t.lastStatus) : GONE;
    }
    case 'capacity-provider': {
      const cp = (await c.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: [arn] }))).capacityProviders?.[0];
      return cp && cp.status !== 'INACTIVE' ? EXISTS(cp.status) : GONE;
    }
    case 'container-instance': {
      if (!cluster) return { kind: 'unverified' };
      const ci = (await c.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [arn] }))).containerInstances?.[0];
      return ci && ci.status !== 'INACTIVE' ? EXISTS(ci.status) : GONE;
    }
    default:
      return { kind: 'unverified' };
  }
}

/** Asks the resource's own service whether the tagged ARN still exists. */
export async function taggedResourceState(c: AwsClients, arn: string): Promise<TaggedResourceState> {
  const p = parseArn(arn);
  if (!p) return { kind: 'unverified' };
  const { service, resource } = p;
  return ask(async () => {
    switch (service) {
      case 'ec2': {
        const [type, id] = resource.split('/');
        return type && id ? ec2State(c, type, id) : { kind: 'unverified' };
      }
      case 'ecs':
        return ecsState(c, arn, resource);
      case 'ssm': {
        if (!resource.startsWith('parameter/')) return { kind: 'unverified' };
        await c.ssm.send(new GetParameterCommand({ Name: `/${resource.slice('parameter/'.length)}` }));
        return EXISTS();
      }
      case 's3':
        await c.s3.send(new HeadBucketCommand({ Bucket: resource.split('/')[0] }));
        return EXISTS();
      case 'logs': {
        const name = /^log-group:(.+?)(:\*)?$/.exec(resource)?.[1];
        if (!name) return { kind: 'unverified' };
        const groups = (await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups ?? [];
        return groups.some((g) => g.logGroupName === name) ? EXISTS() : GONE;
      }
      case 'autoscaling': {
        const name = /autoScalingGroupName\/(.+)$/.exec(resource)?.[1];
        if (!name) return { kind: 'unverified' };
        const groups = (await c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups ?? [];
        return groups.length > 0 ? EXISTS(groups[0]?.Status) : GONE;
      }
      case 'cloudformation': {
        const st = (await c.cfn.send(new DescribeStacksCommand({ StackName: arn }))).Stacks?.[0];
        return st && st.StackStatus !== 'DELETE_COMPLETE' ? EXISTS(st.StackStatus) : GONE;
      }
      default:
        return { kind: 'unverified' };
    }
  });
}
