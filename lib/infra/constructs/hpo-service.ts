import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HPO_PORT, TRACKING_PORT } from '../ports';
import { addManagerService, checkManagerPort } from './manager-service';

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
  /**
   * An existing MLflow server to write trials to instead of the one on the same host.
   * @default - the dojo's own server at trackingPort
   */
  readonly trackingUri?: string;
  /**
   * MLflow auth variables for the tracking client, as ECS secrets.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;
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
    this.port = checkManagerPort('HpoService', props.port ?? HPO_PORT);
    const { taskDefinition, service } = addManagerService(this, {
      ...props,
      port: this.port,
      dataDir: 'hpo',
      containerName: 'hpo',
      command: hpoCommand(this.port, props.trackingUri ?? `http://127.0.0.1:${props.trackingPort ?? TRACKING_PORT}`),
      memoryReservationMiB: props.memoryReservationMiB ?? 512,
      streamPrefix: 'hpo',
    });
    this.taskDefinition = taskDefinition;
    this.service = service;
  }
}

/**
 * The HPO service command line (arguments to the image's `node /app/dojo.mjs` entrypoint). The
 * dojo's own tracking server shares the host network, so the loopback address reaches it.
 */
export function hpoCommand(port: number, trackingUri: string): string[] {
  return ['hpo', 'serve', '--host', '0.0.0.0', '--port', String(port), '--db', '/data/hpo.db', '--tracking', trackingUri];
}
