import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import type { ArtifactStore } from './artifact-store';

/** Name of the container in the worker task definition (for RunTask overrides). */
export const WORKER_CONTAINER_NAME = 'worker';

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
}

/**
 * The worker task definition: the runtime image on a worker host (host networking, so replicas
 * reach each other on the allreduce ports). The provider supplies the command and the DOJO_*
 * environment per job through RunTask overrides.
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
    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode: ecs.NetworkMode.HOST,
      placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:dojo.role == worker')],
    });
    props.store.grantReadData(this.taskDefinition.taskRole);
    props.store.grantWriteArtifacts(this.taskDefinition.taskRole);
    this.container = this.taskDefinition.addContainer(WORKER_CONTAINER_NAME, {
      image: props.image,
      memoryReservationMiB: memory,
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'worker' }),
    });
  }
}
