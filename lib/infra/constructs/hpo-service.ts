import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { HPO_PORT, TRACKING_PORT } from '../ports';
import { MANAGER_DATA_PATH } from './manager-node';

/** Props of HpoService. */
export interface HpoServiceProps {
  /** The cluster. */
  readonly cluster: ecs.ICluster;
  /** The manager's capacity provider: the service runs only there. */
  readonly managerCapacityProvider: ecs.AsgCapacityProvider;
  /** The runtime image (the bundled `dojo` CLI). */
  readonly image: ecs.ContainerImage;
  /** Log group of the container. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Port of the HPO service (and of the rendezvous it serves).
   * @default 5002
   */
  readonly port?: number;
  /**
   * Port of the tracking server on the same host.
   * @default 5001
   */
  readonly trackingPort?: number;
  /**
   * Memory reserved for the service (MiB).
   * @default 512
   */
  readonly memoryReservationMiB?: number;
}

/**
 * The HPO service (`dojo hpo serve`) on the manager, from the runtime image: its study database
 * on the manager's persistent volume, trials written to the tracking server on the same host.
 * It needs no AWS permission, so its task role has no policy.
 */
export class HpoService extends Construct {
  /** The ECS service. */
  public readonly service: ecs.Ec2Service;
  /** The task definition. */
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  /** The port it listens on. */
  public readonly port: number;

  constructor(scope: Construct, id: string, props: HpoServiceProps) {
    super(scope, id);
    const port = props.port ?? HPO_PORT;
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new DojoError('USAGE', `HpoService port: must be a whole number from 1024 to 65535, got ${port}`);
    }
    this.port = port;
    const taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode: ecs.NetworkMode.HOST,
      volumes: [{ name: 'data', host: { sourcePath: `${MANAGER_DATA_PATH}/hpo` } }],
      placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:dojo.role == manager')],
    });
    const container = taskDefinition.addContainer('hpo', {
      image: props.image,
      command: hpoCommand(port, props.trackingPort ?? TRACKING_PORT),
      memoryReservationMiB: props.memoryReservationMiB ?? 512,
      portMappings: [{ containerPort: port, hostPort: port }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'hpo' }),
    });
    container.addMountPoints({ sourceVolume: 'data', containerPath: '/data', readOnly: false });
    this.taskDefinition = taskDefinition;

    this.service = new ecs.Ec2Service(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: 1,
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

/**
 * The HPO service command line (arguments to the image's `node /app/dojo.mjs` entrypoint). The
 * tracking server shares the host network, so the loopback address reaches it.
 */
export function hpoCommand(port: number, trackingPort: number): string[] {
  return ['hpo', 'serve', '--host', '0.0.0.0', '--port', String(port), '--db', '/data/hpo.db', '--tracking', `http://127.0.0.1:${trackingPort}`];
}
