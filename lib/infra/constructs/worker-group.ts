import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { EcsHostTemplate } from './ecs-host-template';

/** Props of WorkerGroup. */
export interface WorkerGroupProps {
  /** The dojo's VPC. */
  readonly vpc: ec2.IVpc;
  /** Subnets of the workers. */
  readonly subnets: ec2.SubnetSelection;
  /** The cluster that gets the workers' capacity provider (as its default strategy). */
  readonly cluster: ecs.Cluster;
  /**
   * Instance type.
   * @default t3.xlarge
   */
  readonly instanceType?: ec2.InstanceType;
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
    const host = new EcsHostTemplate(this, 'Host', {
      vpc: props.vpc,
      instanceType: props.instanceType ?? new ec2.InstanceType('t3.xlarge'),
      role: 'worker',
    });
    this.securityGroup = host.securityGroup;
    this.instanceRole = host.instanceRole;

    const placement = props.spot
      ? {
          mixedInstancesPolicy: {
            launchTemplate: host.launchTemplate,
            instancesDistribution: {
              onDemandBaseCapacity: 0,
              onDemandPercentageAboveBaseCapacity: 0,
              spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
            },
          },
        }
      : { launchTemplate: host.launchTemplate };
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Asg', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      minCapacity: 0,
      maxCapacity: maxWorkers,
      ...placement,
    });

    this.capacityProvider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', {
      autoScalingGroup: this.autoScalingGroup,
      enableManagedScaling: true,
      // ECS drains the instance itself: no CDK drain-hook Lambda and SNS topic.
      enableManagedDraining: true,
      targetCapacityPercent: 100,
      // Protection would keep instances alive through `cdk destroy` (the DELETE_IN_PROGRESS hang).
      enableManagedTerminationProtection: false,
    });
    props.cluster.addAsgCapacityProvider(this.capacityProvider);
    props.cluster.addDefaultCapacityProviderStrategy([{ capacityProvider: this.capacityProvider.capacityProviderName, weight: 1 }]);
  }
}
