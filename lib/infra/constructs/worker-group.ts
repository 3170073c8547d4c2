import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { addEcsCapacityProvider, addEcsHostGroup, type EcsHostGroupProps } from './ecs-host-group';

/** Props of WorkerGroup. */
export interface WorkerGroupProps extends EcsHostGroupProps {
  /**
   * Most workers at once; the group scales from 0 and back to 0.
   * @default 4
   */
  readonly maxWorkers?: number;
  /**
   * Run the workers on Spot capacity.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * The worker type has NVIDIA GPUs: the hosts boot the ECS GPU-optimized AMI.
   * @default false
   */
  readonly gpu?: boolean;
}

/**
 * The workers: an Auto Scaling group from a launch template (min 0, max `maxWorkers`) that is an
 * ECS capacity provider with managed scaling, so instances exist only while tasks need them.
 */
export class WorkerGroup extends Construct {
  /** The workers' Auto Scaling group. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The workers' capacity provider (also the cluster's default strategy). */
  public readonly capacityProvider: ecs.AsgCapacityProvider;
  /** The workers' security group. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The instance role. */
  public readonly instanceRole: iam.IRole;

  constructor(scope: Construct, id: string, props: WorkerGroupProps) {
    super(scope, id);
    const maxWorkers = props.maxWorkers ?? 4;
    if (!Number.isInteger(maxWorkers) || maxWorkers < 0 || maxWorkers > 100) {
      throw new DojoError('USAGE', `WorkerGroup maxWorkers: must be a whole number from 0 to 100, got ${maxWorkers}`);
    }
    const hosts = addEcsHostGroup(this, props, { role: 'worker', vpcSubnets: props.subnets, maxCapacity: maxWorkers, spot: props.spot, gpu: props.gpu });
    this.autoScalingGroup = hosts.autoScalingGroup;
    this.securityGroup = hosts.securityGroup;
    this.instanceRole = hosts.instanceRole;
    this.capacityProvider = addEcsCapacityProvider(this, hosts, props.cluster);
    props.cluster.addDefaultCapacityProviderStrategy([{ capacityProvider: this.capacityProvider.capacityProviderName, weight: 1 }]);
  }
}
