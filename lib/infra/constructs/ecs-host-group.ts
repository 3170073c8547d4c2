import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { EcsHostTemplate } from './ecs-host-template';

/** Props that the manager and the worker group share: where their hosts run and which cluster gets them. */
export interface EcsHostGroupProps {
  /** The dojo's VPC. */
  readonly vpc: ec2.IVpc;
  /** Subnets of the hosts. */
  readonly subnets: ec2.SubnetSelection;
  /** The cluster that gets the group's capacity provider. */
  readonly cluster: ecs.Cluster;
  /**
   * Instance type.
   * @default t3.xlarge
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Other types the group may launch when `instanceType` is short (Spot or on-demand), in order
   * of preference; they go into the group's mixed instances policy as launch template overrides.
   * @default - none: only `instanceType`
   */
  readonly alternativeInstanceTypes?: readonly ec2.InstanceType[];
}

/** How one group of ECS hosts differs from the other: its role, boot script, subnets and size. */
export interface EcsHostGroupSpec {
  /** Value of the `dojo.role` ECS instance attribute. */
  readonly role: 'manager' | 'worker';
  /**
   * Shell commands run at boot before the ECS agent registers the host.
   * @default - none
   */
  readonly bootCommands?: readonly string[];
  /** Subnets of the Auto Scaling group (the manager narrows its props' selection to one subnet). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Most instances at once; the group scales from 0. */
  readonly maxCapacity: number;
  /**
   * Run the instances on Spot capacity.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * The instances have NVIDIA GPUs (EcsHostTemplateProps.gpu).
   * @default false
   */
  readonly gpu?: boolean;
}

/** The parts of an ECS host group that the manager and the worker group expose. */
export interface EcsHostGroup {
  /** The hosts' Auto Scaling group (min 0). */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The hosts' security group (no ingress). */
  readonly securityGroup: ec2.SecurityGroup;
  /** The instance role. */
  readonly instanceRole: iam.Role;
}

/**
 * Adds to scope the children `Host` (launch template, role, security group) and `Asg` (an Auto
 * Scaling group of 0..maxCapacity from that template, on Spot when asked, launching any of the
 * instance types given so that one type's shortage does not block a launch). Follow it with
 * addEcsCapacityProvider once the instance role has every grant: the cluster appends its own
 * statements to the role's policy then.
 */
export function addEcsHostGroup(scope: Construct, props: EcsHostGroupProps, spec: EcsHostGroupSpec): EcsHostGroup {
  const host = new EcsHostTemplate(scope, 'Host', {
    vpc: props.vpc,
    instanceType: props.instanceType ?? new ec2.InstanceType('t3.xlarge'),
    role: spec.role,
    bootCommands: spec.bootCommands,
    gpu: spec.gpu,
  });
  const types = [props.instanceType ?? new ec2.InstanceType('t3.xlarge'), ...(props.alternativeInstanceTypes ?? [])];
  const unique = types.filter((t, i) => types.findIndex((u) => u.toString() === t.toString()) === i);
  const distribution: autoscaling.InstancesDistribution = spec.spot
    ? { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 0, spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED }
    : // On-demand in the order given: the chosen type first, the others only when it is short.
      { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 100, onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED };
  const placement =
    spec.spot || unique.length > 1
      ? {
          mixedInstancesPolicy: {
            launchTemplate: host.launchTemplate,
            launchTemplateOverrides: unique.length > 1 ? unique.map((instanceType) => ({ instanceType })) : undefined,
            instancesDistribution: distribution,
          },
        }
      : { launchTemplate: host.launchTemplate };
  const autoScalingGroup = new autoscaling.AutoScalingGroup(scope, 'Asg', {
    vpc: props.vpc,
    vpcSubnets: spec.vpcSubnets,
    minCapacity: 0,
    maxCapacity: spec.maxCapacity,
    ...placement,
  });
  return { autoScalingGroup, securityGroup: host.securityGroup, instanceRole: host.instanceRole };
}

/**
 * Adds to scope the child `CapacityProvider` over the group's Auto Scaling group, with managed
 * scaling (instances exist only while tasks need them), and registers it with the cluster.
 */
export function addEcsCapacityProvider(scope: Construct, group: EcsHostGroup, cluster: ecs.Cluster): ecs.AsgCapacityProvider {
  const capacityProvider = new ecs.AsgCapacityProvider(scope, 'CapacityProvider', {
    autoScalingGroup: group.autoScalingGroup,
    enableManagedScaling: true,
    // ECS drains the instance itself: no CDK drain-hook Lambda and SNS topic.
    enableManagedDraining: true,
    targetCapacityPercent: 100,
    // Protection would keep instances alive through `cdk destroy` (the DELETE_IN_PROGRESS hang).
    enableManagedTerminationProtection: false,
  });
  cluster.addAsgCapacityProvider(capacityProvider);
  return capacityProvider;
}
