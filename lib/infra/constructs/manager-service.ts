import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { MANAGER_DATA_PATH } from './manager-node';

/** What a long-running service on the manager needs: the tracking server and the HPO service. */
export interface ManagerServiceSpec {
  /** The cluster. */
  readonly cluster: ecs.ICluster;
  /** The manager's capacity provider: the service runs only there. */
  readonly managerCapacityProvider: ecs.AsgCapacityProvider;
  readonly image: ecs.ContainerImage;
  readonly logGroup: logs.ILogGroup;
  /** Host port (host networking: workers reach it at the manager's address). */
  readonly port: number;
  /** Folder under the manager's persistent volume mounted at /data in the container. */
  readonly dataDir: string;
  readonly containerName: string;
  readonly command: string[];
  readonly memoryReservationMiB: number;
  /** CloudWatch Logs stream prefix. */
  readonly streamPrefix: string;
  readonly environment?: Record<string, string>;
  /** Read by ECS at task start (never in the task definition's environment). */
  readonly secrets?: Record<string, ecs.Secret>;
  readonly dockerLabels?: Record<string, string>;
  readonly healthCheck?: ecs.HealthCheck;
}

/** Checks a manager service's port, naming the construct in the message. */
export function checkManagerPort(construct: string, port: number): number {
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new DojoError('USAGE', `${construct} port: must be a whole number from 1024 to 65535, got ${port}`);
  }
  return port;
}

/**
 * Adds a one-task ECS service pinned to the manager to scope, as the children `TaskDefinition` and
 * `Service`: host networking on a fixed port, the manager's persistent volume at /data.
 */
export function addManagerService(scope: Construct, spec: ManagerServiceSpec): { taskDefinition: ecs.Ec2TaskDefinition; service: ecs.Ec2Service } {
  const taskDefinition = new ecs.Ec2TaskDefinition(scope, 'TaskDefinition', {
    networkMode: ecs.NetworkMode.HOST,
    volumes: [{ name: 'data', host: { sourcePath: `${MANAGER_DATA_PATH}/${spec.dataDir}` } }],
    placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:dojo.role == manager')],
  });
  const container = taskDefinition.addContainer(spec.containerName, {
    image: spec.image,
    command: spec.command,
    memoryReservationMiB: spec.memoryReservationMiB,
    portMappings: [{ containerPort: spec.port, hostPort: spec.port }],
    environment: spec.environment,
    secrets: spec.secrets,
    dockerLabels: spec.dockerLabels,
    logging: ecs.LogDrivers.awsLogs({ logGroup: spec.logGroup, streamPrefix: spec.streamPrefix }),
    healthCheck: spec.healthCheck,
  });
  container.addMountPoints({ sourceVolume: 'data', containerPath: '/data', readOnly: false });

  const service = new ecs.Ec2Service(scope, 'Service', {
    cluster: spec.cluster,
    taskDefinition,
    desiredCount: 1,
    // One host port, one task: the old task must stop before the new one starts.
    minHealthyPercent: 0,
    maxHealthyPercent: 100,
    capacityProviderStrategies: [{ capacityProvider: spec.managerCapacityProvider.capacityProviderName, weight: 1 }],
    circuitBreaker: { rollback: true },
    enableECSManagedTags: true,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
  });
  // The capacity provider must be associated with the cluster before the service is created,
  // and the service gone before it is disassociated: CloudFormation does not infer either.
  service.node.addDependency(spec.cluster);
  return { taskDefinition, service };
}
