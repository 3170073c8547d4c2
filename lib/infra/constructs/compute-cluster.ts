import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props of ComputeCluster. */
export interface ComputeClusterProps {
  /** The dojo's VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * Retention of the containers' log group.
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The ECS cluster of a dojo and the one log group every container of the dojo writes to. */
export class ComputeCluster extends Construct {
  /** The cluster; capacity providers are added by ManagerNode and WorkerGroup. */
  public readonly cluster: ecs.Cluster;
  /** Log group of every container (stream prefixes: tracking, hpo, worker). */
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: ComputeClusterProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
