import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { DojoStack } from './dojo-stack';

/**
 * One cdk-nag AwsSolutions finding that the dojo accepts on purpose, with the reason. Each one
 * names the exact finding (rule and, for IAM5, the wildcard) and where it applies; the README's
 * security section lists the same acknowledgements.
 */
export interface DojoAcknowledgement {
  /** Rule id with the finding, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Where it applies, as a short description for the README. */
  readonly where: string;
  /** Why the finding is accepted. */
  readonly reason: string;
  /** The constructs it is acknowledged on (the finding stays an error anywhere else); none when it does not apply. */
  readonly scopes: (stack: DojoStack) => readonly IConstruct[];
}

const ECS_AGENT =
  'Permissions of the ECS container agent, as aws-cdk-lib grants them in Cluster.addAsgCapacityProvider: ' +
  'ecs:Submit* and ecs:Register/DeregisterContainerInstance are scoped to this cluster ARN, ecs:Poll and ' +
  'ecs:StartTelemetrySession are conditioned on it, and ecs:DiscoverPollEndpoint / ecr:GetAuthorizationToken ' +
  'have no resource-level permissions.';

function logicalId(construct: IConstruct): string {
  const element = construct.node.defaultChild as CfnElement;
  return Stack.of(element).getLogicalId(element);
}

function bucketObjects(stack: DojoStack, prefix: string): string {
  return `AwsSolutions-IAM5[Resource::<${logicalId(stack.store.bucket)}.Arn>/${prefix}*]`;
}

// The tracking server's task definition, when the dojo deploys its own (not with an existing server).
function trackingTask(s: DojoStack): ecs.TaskDefinition[] {
  return s.tracking ? [s.tracking.taskDefinition] : [];
}

/** Every acknowledgement of the dojo stack (ids that depend on logical ids are built per stack). */
export function dojoAcknowledgements(stack: DojoStack): DojoAcknowledgement[] {
  const instanceRoles = (s: DojoStack): IConstruct[] => [s.manager.instanceRole, s.workers.instanceRole];
  const executionRoles = (s: DojoStack): IConstruct[] =>
    [...trackingTask(s), s.hpo.taskDefinition, s.workerTask.taskDefinition, s.commands.driverTaskDefinition].flatMap((t) =>
      t.executionRole ? [t.executionRole] : [],
    );
  const driverRole = (s: DojoStack): IConstruct[] => [s.commands.driverTaskDefinition.taskRole];
  const ecsArn = (resource: string): string => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:${resource}]`;
  const cluster = `<${logicalId(stack.compute.cluster)}>`;
  return [
    {
      id: 'AwsSolutions-ECS4',
      where: 'ECS cluster',
      reason:
        'Container Insights is billed per metric and a dojo is a small disposable cluster; every container logs to ' +
        'CloudWatch Logs and ECS keeps service events. Enable it for a long-lived cluster.',
      scopes: (s) => [s.compute.cluster],
    },
    {
      id: 'AwsSolutions-AS3',
      where: 'manager and worker Auto Scaling groups',
      reason:
        'ECS managed scaling drives both groups; scaling activity is visible in ECS and in the group activity ' +
        'history. A notification topic per dojo would be one more resource with no subscriber.',
      scopes: (s) => [s.manager.autoScalingGroup, s.workers.autoScalingGroup],
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      where: 'manager and worker instance roles',
      reason:
        'Session Manager is the only way onto the hosts (no SSH key, no port 22) and AmazonSSMManagedInstanceCore is ' +
        'its AWS-maintained minimum; a hand-copied policy would go stale.',
      scopes: instanceRoles,
    },
    { id: 'AwsSolutions-IAM5[Action::ecs:Submit*]', where: 'manager and worker instance roles', reason: ECS_AGENT, scopes: instanceRoles },
    { id: 'AwsSolutions-IAM5[Resource::*]', where: 'manager and worker instance roles', reason: ECS_AGENT, scopes: instanceRoles },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
      where: 'manager instance role',
      reason:
        'ec2:AttachVolume for the data volume: instance ids are unknown before launch, so the instance ' +
        'side is conditioned on a tag that only this dojo manager group puts on its instances, and the volume side ' +
        'names the one data volume.',
      scopes: (s) => [s.manager.instanceRole],
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      where: 'task execution roles',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; the image pull actions name the asset repository.',
      scopes: executionRoles,
    },
    {
      id: bucketObjects(stack, 'artifacts/'),
      where: 'tracking server and worker task roles',
      reason:
        'Objects under the artifacts/ prefix of the dojo bucket: the narrowest scope for keys created at run time ' +
        '(the worker may only put, the tracking server reads, writes and deletes).',
      scopes: (s) => [...trackingTask(s).map((t) => t.taskRole), s.workerTask.taskDefinition.taskRole, s.commands.taskRole],
    },
    {
      id: bucketObjects(stack, 'data/'),
      where: 'worker and command task roles',
      reason: 'Read-only access to objects under the data/ prefix of the dojo bucket: the training shards.',
      scopes: (s) => [s.workerTask.taskDefinition.taskRole, s.commands.taskRole],
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      where: 'command tasks\' execution role',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions (it returns a login for the registry, not access to a repository).',
      scopes: (s) => [s.commands.executionRole],
    },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]',
      where: 'command tasks\' execution role',
      reason:
        'The image of a command job is the user\'s, named only at `dojo job create --image`, after deploy: the pull ' +
        'actions cover this account\'s repositories in this region (no other account\'s) and nothing but reading images.',
      scopes: (s) => [s.commands.executionRole],
    },
    {
      id: ecsArn(`task-definition/${stack.commands.familyPrefix}*`),
      where: 'command-job driver task role',
      reason:
        'ecs:RunTask on the task definitions of command jobs only: one family per job (registered at job create, after ' +
        'deploy) under the dojo\'s prefix, and only in the dojo\'s cluster (ArnEquals ecs:cluster).',
      scopes: driverRole,
    },
    {
      id: ecsArn(`task/${cluster}/*`),
      where: 'command-job driver task role',
      reason:
        'ecs:DescribeTasks / StopTask (and TagResource only as part of RunTask) on tasks of the dojo\'s cluster: task ids ' +
        'exist only once the driver has started them.',
      scopes: driverRole,
    },
    {
      id: ecsArn(`container-instance/${cluster}/*`),
      where: 'command-job driver task role',
      reason:
        'ecs:DescribeContainerInstances on the dojo\'s cluster only, to find the host of rank 0 (host networking): ' +
        'container instances come and go with the workers\' Auto Scaling group.',
      scopes: driverRole,
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      where: 'command-job driver task role',
      reason:
        'ec2:DescribeInstances has no resource-level permissions; the driver reads the private address of rank 0\'s ' +
        'instance (MASTER_ADDR for the other replicas). It is read-only.',
      scopes: driverRole,
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/dojo/${stack.config.dojoId}/*]`,
      where: 'command-job driver task role',
      reason: 'Read-only access to the parameters under /dojo/<dojoId>/ that describe this dojo (the names the stack writes).',
      scopes: driverRole,
    },
    {
      id: 'AwsSolutions-ECS2',
      where: 'tracking server task definition',
      reason: 'The one environment variable is AWS_DEFAULT_REGION for boto3: not a secret.',
      scopes: trackingTask,
    },
    {
      id: 'AwsSolutions-EC26',
      where: 'manager and worker Auto Scaling groups',
      reason:
        'Both groups read their launch template through a MixedInstancesPolicy (several instance types, Spot for the ' +
        'workers when asked), which this rule cannot resolve (it reports an error instead of a result). The launch ' +
        'templates have only encrypted gp3 volumes, as the stack tests assert.',
      scopes: (s) => [s.manager.autoScalingGroup, s.workers.autoScalingGroup],
    },
    {
      id: 'AwsSolutions-S1',
      where: 'dojo bucket',
      reason:
        'Server access logs need a second bucket that would outlive the dojo and bill; the bucket is private, ' +
        'TLS-only and reachable only by the dojo task roles. Use CloudTrail data events when an audit trail is needed.',
      scopes: (s) => [s.store.bucket],
    },
  ];
}

/** Acknowledges the dojo's accepted cdk-nag findings on exactly the constructs they concern. */
export function acknowledgeDojoFindings(stack: DojoStack): void {
  for (const ack of dojoAcknowledgements(stack)) {
    for (const scope of ack.scopes(stack)) Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason });
  }
}
