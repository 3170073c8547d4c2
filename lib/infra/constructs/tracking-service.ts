import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { TRACKING_PORT } from '../ports';
import { ARTIFACTS_PREFIX, type ArtifactStore } from './artifact-store';
import { MANAGER_DATA_PATH } from './manager-node';
import { MLFLOW_BASE_IMAGE } from './images';

/** Props of TrackingService. */
export interface TrackingServiceProps {
  /** The cluster. */
  readonly cluster: ecs.ICluster;
  /** The manager's capacity provider: the service runs only there. */
  readonly managerCapacityProvider: ecs.AsgCapacityProvider;
  /** The dojo bucket: artifacts go under `artifacts/`. */
  readonly store: ArtifactStore;
  /** The MLflow image (the pinned official image plus boto3). */
  readonly image: ecs.ContainerImage;
  /** Log group of the container. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Port of the tracking server on the manager.
   * @default 5001
   */
  readonly port?: number;
  /**
   * Memory reserved for the server (MiB).
   * @default 1024
   */
  readonly memoryReservationMiB?: number;
}

/**
 * The MLflow tracking server on the manager: SQLite on the manager's persistent volume,
 * artifacts in the dojo bucket (served through the server, `--serve-artifacts`), host networking
 * on a fixed port so workers reach it at the manager's address.
 */
export class TrackingService extends Construct {
  /** The ECS service. */
  public readonly service: ecs.Ec2Service;
  /** The task definition. */
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  /** The port it listens on. */
  public readonly port: number;

  constructor(scope: Construct, id: string, props: TrackingServiceProps) {
    super(scope, id);
    const port = props.port ?? TRACKING_PORT;
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new DojoError('USAGE', `TrackingService port: must be a whole number from 1024 to 65535, got ${port}`);
    }
    this.port = port;
    const taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode: ecs.NetworkMode.HOST,
      volumes: [{ name: 'data', host: { sourcePath: `${MANAGER_DATA_PATH}/mlflow` } }],
      placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:dojo.role == manager')],
    });
    props.store.grantReadWriteArtifacts(taskDefinition.taskRole);
    const container = taskDefinition.addContainer('mlflow', {
      image: props.image,
      command: mlflowCommand(port, props.store.bucket.bucketName),
      memoryReservationMiB: props.memoryReservationMiB ?? 1024,
      portMappings: [{ containerPort: port, hostPort: port }],
      environment: { AWS_DEFAULT_REGION: Stack.of(this).region },
      dockerLabels: { 'dojo.mlflow.base-image': MLFLOW_BASE_IMAGE },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'tracking' }),
      healthCheck: {
        command: ['CMD-SHELL', `python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}/health')"`],
      },
    });
    container.addMountPoints({ sourceVolume: 'data', containerPath: '/data', readOnly: false });
    this.taskDefinition = taskDefinition;

    this.service = new ecs.Ec2Service(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: 1,
      // One host port, one task: the old task must stop before the new one starts.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      capacityProviderStrategies: [{ capacityProvider: props.managerCapacityProvider.capacityProviderName, weight: 1 }],
      circuitBreaker: { rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // The capacity provider must be associated with the cluster before the service is created,
    // and the service gone before it is disassociated: CloudFormation does not infer either.
    this.service.node.addDependency(props.cluster);
  }
}

/** The MLflow server command line for a port and a bucket. */
export function mlflowCommand(port: number, bucketName: string): string[] {
  return [
    'mlflow',
    'server',
    '--host',
    '0.0.0.0',
    '--port',
    String(port),
    '--backend-store-uri',
    'sqlite:////data/mlflow.db',
    '--artifacts-destination',
    `s3://${bucketName}/${ARTIFACTS_PREFIX.replace(/\/$/, '')}`,
    '--serve-artifacts',
  ];
}
