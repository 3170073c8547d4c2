import { Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TRACKING_PORT } from '../ports';
import { ARTIFACTS_PREFIX, type ArtifactStore } from './artifact-store';
import { addManagerService, checkManagerPort } from './manager-service';
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
    this.port = checkManagerPort('TrackingService', props.port ?? TRACKING_PORT);
    const { taskDefinition, service } = addManagerService(this, {
      ...props,
      port: this.port,
      dataDir: 'mlflow',
      containerName: 'mlflow',
      command: mlflowCommand(this.port, props.store.bucket.bucketName),
      memoryReservationMiB: props.memoryReservationMiB ?? 1024,
      streamPrefix: 'tracking',
      environment: { AWS_DEFAULT_REGION: Stack.of(this).region },
      dockerLabels: { 'dojo.mlflow.base-image': MLFLOW_BASE_IMAGE },
      healthCheck: mlflowHealthCheck(this.port),
    });
    props.store.grantReadWriteArtifacts(taskDefinition.taskRole);
    this.taskDefinition = taskDefinition;
    this.service = service;
  }
}

/**
 * The container health check: `/health` answers. The start period covers the first start, when
 * MLflow creates and migrates its SQLite database before it listens; until it ends, failures do
 * not count and ECS does not replace the task.
 */
export function mlflowHealthCheck(port: number): ecs.HealthCheck {
  return {
    command: ['CMD-SHELL', `python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}/health', timeout=4)"`],
    startPeriod: Duration.seconds(120),
    interval: Duration.seconds(30),
    timeout: Duration.seconds(5),
    retries: 3,
  };
}

/**
 * The MLflow server command line for a port and a bucket. One gunicorn worker: MLflow's default
 * four are four processes writing one SQLite file, and parallel trials then fail with "database
 * is locked" once a write waits past SQLite's busy timeout; one worker serves requests one at a
 * time, so writes never contend (the clients batch their metrics, so requests stay few).
 */
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
    '--workers',
    '1',
  ];
}
