import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import type { ArtifactStore } from './artifact-store';

/** Name of the container in the worker task definition (for RunTask overrides). */
export const WORKER_CONTAINER_NAME = 'worker';

/** Default command of the worker container (arguments to `node /app/dojo.mjs`): the worker loop. */
export const WORKER_COMMAND: readonly string[] = ['worker', 'run'];

/** Props of WorkerTask. */
export interface WorkerTaskProps {
  /** The dojo bucket: the task reads `data/` and writes `artifacts/`. */
  readonly store: ArtifactStore;
  /** The runtime image. */
  readonly image: ecs.ContainerImage;
  /** Log group of the container. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Memory reserved per task (MiB); RunTask may override it.
   * @default 2048
   */
  readonly memoryReservationMiB?: number;
  /**
   * CPU units reserved per task. Training is CPU-bound: reserve every vCPU of a worker instance
   * (vCPUs × 1024) so that ECS places one task per instance instead of packing several on one.
   * @default 4096 - the 4 vCPUs of the default t3.xlarge
   */
  readonly cpuUnits?: number;
  /**
   * MLflow auth variables for the worker's tracking client, as ECS secrets.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;
}

/**
 * The worker task definition: the runtime image on a worker host (host networking, so replicas
 * reach each other on the allreduce ports). It runs `dojo worker run`; the provider supplies the
 * DOJO_* environment (and any other command) per job through RunTask overrides.
 */
export class WorkerTask extends Construct {
  /** The task definition. */
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  /** The worker container. */
  public readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: WorkerTaskProps) {
    super(scope, id);
    const memory = props.memoryReservationMiB ?? 2048;
    if (!Number.isInteger(memory) || memory < 128) {
      throw new DojoError('USAGE', `WorkerTask memoryReservationMiB: must be a whole number >= 128, got ${memory}`);
    }
    const cpu = props.cpuUnits ?? 4096;
    if (!Number.isInteger(cpu) || cpu < 128 || cpu > 196_608) {
      throw new DojoError('USAGE', `WorkerTask cpuUnits: must be a whole number from 128 to 196608, got ${cpu}`);
    }
    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode: ecs.NetworkMode.HOST,
      placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:dojo.role == worker')],
    });
    props.store.grantReadData(this.taskDefinition.taskRole);
    props.store.grantWriteArtifacts(this.taskDefinition.taskRole);
    this.container = this.taskDefinition.addContainer(WORKER_CONTAINER_NAME, {
      image: props.image,
      command: [...WORKER_COMMAND],
      cpu,
      memoryReservationMiB: memory,
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'worker' }),
    });
  }
}
