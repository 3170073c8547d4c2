import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { commandFamilyPrefix, dojoParameterPrefix } from '../parameters';
import type { ArtifactStore } from './artifact-store';

/** Name of the container in the driver task definition (for RunTask overrides). */
export const DRIVER_CONTAINER_NAME = 'driver';

/**
 * Default command of the driver container (arguments to `node /app/dojo.mjs`). The provider
 * always overrides it with `job drive --job J --group G`; run without an override it only prints
 * the usage and exits, so a stray RunTask starts nothing.
 */
export const DRIVER_DEFAULT_COMMAND: readonly string[] = ['job', 'drive', '--help'];

/** The service principal that the command roles are passed to. */
export const ECS_TASKS_PRINCIPAL = 'ecs-tasks.amazonaws.com';

/** Props of CommandJobs. */
export interface CommandJobsProps {
  /** The dojo id: names the task definition family prefix and the SSM parameters the driver reads. */
  readonly dojoId: string;
  /** The cluster: the driver may start and stop tasks here and nowhere else. */
  readonly cluster: ecs.ICluster;
  /** The dojo bucket: command replicas read `data/` and read/write `artifacts/`. */
  readonly store: ArtifactStore;
  /** The runtime image (the bundled `dojo` CLI): the driver runs `dojo job drive` from it. */
  readonly image: ecs.ContainerImage;
  /** Log group of the driver and of every command replica. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Memory reserved for one driver (MiB): one driver per `--parallel` slot runs beside MLflow
   * and the HPO service on the manager, so it is kept small.
   * @default 256
   */
  readonly driverMemoryReservationMiB?: number;
  /**
   * CPU units reserved for one driver: it mostly waits on the HPO service, MLflow and ECS.
   * @default 128
   */
  readonly driverCpuUnits?: number;
  /**
   * MLflow auth variables for the driver's (and the replicas') tracking client, as ECS secrets.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;
}

/**
 * What command jobs (the user's own image and command as trials) need on AWS: the driver task
 * definition on the manager, whose role may start, watch and stop command tasks in this dojo's
 * cluster and nothing more, and the two roles every command task runs with. The provider
 * registers one task definition per command job (family `dojo-<dojoId>-cmd-<jobId>`) with these
 * roles.
 */
export class CommandJobs extends Construct {
  /** The driver task definition (host networking, on the manager). */
  public readonly driverTaskDefinition: ecs.Ec2TaskDefinition;
  /** The driver container. */
  public readonly driverContainer: ecs.ContainerDefinition;
  /** The role command replicas run as. */
  public readonly taskRole: iam.Role;
  /** The execution role of command tasks (image pull, logs). */
  public readonly executionRole: iam.Role;
  /** `dojo-<dojoId>-cmd-`. */
  public readonly familyPrefix: string;

  constructor(scope: Construct, id: string, props: CommandJobsProps) {
    super(scope, id);
    const memory = props.driverMemoryReservationMiB ?? 256;
    if (!Number.isInteger(memory) || memory < 128) {
      throw new DojoError('USAGE', `CommandJobs driverMemoryReservationMiB: must be a whole number >= 128, got ${memory}`);
    }
    const cpu = props.driverCpuUnits ?? 128;
    if (!Number.isInteger(cpu) || cpu < 2 || cpu > 10_240) {
      throw new DojoError('USAGE', `CommandJobs driverCpuUnits: must be a whole number from 2 to 10240, got ${cpu}`);
    }
    this.familyPrefix = commandFamilyPrefix(props.dojoId);

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal(ECS_TASKS_PRINCIPAL),
      description: `dojo ${props.dojoId}: command job replicas (read data/, read and write artifacts/)`,
    });
    props.store.grantReadData(this.taskRole);
    props.store.grantReadArtifacts(this.taskRole);
    props.store.grantWriteArtifacts(this.taskRole);

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal(ECS_TASKS_PRINCIPAL),
      description: `dojo ${props.dojoId}: command job tasks' execution role (pull the image, write the logs)`,
    });
    this.grantImagePull(this.executionRole);
    this.executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [props.logGroup.logGroupArn] }),
    );
    // Replicas get the same MLflow credentials as the driver, read by ECS at task start.
    for (const secret of Object.values(props.secrets ?? {})) secret.grantRead(this.executionRole);

    this.driverTaskDefinition = new ecs.Ec2TaskDefinition(this, 'DriverTaskDefinition', {
      networkMode: ecs.NetworkMode.HOST,
      placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:dojo.role == manager')],
    });
    this.driverContainer = this.driverTaskDefinition.addContainer(DRIVER_CONTAINER_NAME, {
      image: props.image,
      command: [...DRIVER_DEFAULT_COMMAND],
      cpu,
      memoryReservationMiB: memory,
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'driver' }),
    });
    this.grantDriver(this.driverTaskDefinition.taskRole, props);
  }

  /**
   * The driver's whole policy: run command task definitions in this cluster, watch and stop the
   * cluster's tasks, find rank 0's host address, pass the two command roles to ECS, read the
   * dojo's parameters and the replicas' logs.
   */
  private grantDriver(role: iam.IRole, props: CommandJobsProps): void {
    const stack = Stack.of(this);
    const clusterArn = props.cluster.clusterArn;
    const inCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };
    const add = (s: iam.PolicyStatementProps): void => {
      role.addToPrincipalPolicy(new iam.PolicyStatement(s));
    };
    add({
      sid: 'RunCommandTasks',
      actions: ['ecs:RunTask'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${this.familyPrefix}*` })],
      conditions: inCluster,
    });
    const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` });
    add({ sid: 'WatchAndStopTasks', actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasks], conditions: inCluster });
    // RunTask with tags needs ecs:TagResource on the new task, and only as part of RunTask.
    add({ sid: 'TagNewTasks', actions: ['ecs:TagResource'], resources: [tasks], conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } } });
    // Host networking: rank 0's address is its container instance's private IPv4 address.
    add({
      sid: 'FindReplicaHosts',
      actions: ['ecs:DescribeContainerInstances'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: `${props.cluster.clusterName}/*` })],
      conditions: inCluster,
    });
    add({ sid: 'FindReplicaAddresses', actions: ['ec2:DescribeInstances'], resources: ['*'] });
    add({
      sid: 'PassCommandRoles',
      actions: ['iam:PassRole'],
      resources: [this.taskRole.roleArn, this.executionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': ECS_TASKS_PRINCIPAL } },
    });
    const prefix = dojoParameterPrefix(props.dojoId);
    add({
      sid: 'ReadDojoParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: prefix.slice(1, -1) }),
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${prefix.slice(1)}*` }),
      ],
    });
    add({ sid: 'ReadReplicaLogs', actions: ['logs:GetLogEvents', 'logs:FilterLogEvents'], resources: [props.logGroup.logGroupArn] });
  }

  /**
   * Pulls of the user's image: its repository is only known at `job create`, so the pull actions
   * cover the account's repositories in this region (never another account's; dojo's own runtime
   * image, which the result file's follower beside each replica runs, is one of them), and
   * GetAuthorizationToken has no resource-level permissions. Public images need neither.
   */
  private grantImagePull(role: iam.IRole): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PullUserImage',
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      }),
    );
  }
}
