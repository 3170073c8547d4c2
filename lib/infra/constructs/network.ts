import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';

/** Props of Network. */
export interface NetworkProps {
  /** Names the VPC (`dojo-<dojoId>`, a Name tag, not a physical name). */
  readonly dojoId: string;
  /**
   * Put instances in private subnets behind one NAT gateway.
   * @default false - public subnets, no NAT gateway; nothing is reachable from the internet
   *   because no security group admits it
   */
  readonly private?: boolean;
  /**
   * Availability zones.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The dojo's VPC: 2 AZs, public subnets and no NAT by default (the cheapest layout that still
 * reaches ECR, S3 and SSM), optionally private subnets with a NAT gateway; a free S3 gateway
 * endpoint; flow logs to CloudWatch with a retention.
 */
export class Network extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** Where the instances of the dojo go. */
  public readonly instanceSubnets: ec2.SubnetSelection;
  /** The subnet type of instanceSubnets. */
  public readonly instanceSubnetType: ec2.SubnetType;
  /** The flow log destination. */
  public readonly flowLogGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    if (!Number.isInteger(maxAzs) || maxAzs < 1 || maxAzs > 6) {
      throw new DojoError('USAGE', `Network maxAzs: must be a whole number from 1 to 6, got ${maxAzs}`);
    }
    const isPrivate = props.private ?? false;
    this.instanceSubnetType = isPrivate ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC;

    const subnetConfiguration: ec2.SubnetConfiguration[] = [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }];
    if (isPrivate) subnetConfiguration.push({ name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 });

    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: `dojo-${props.dojoId}`,
      ipAddresses: ec2.IpAddresses.cidr('10.42.0.0/16'),
      maxAzs,
      // One NAT gateway, not one per AZ: a dojo is disposable and the second would double the bill.
      natGateways: isPrivate ? 1 : 0,
      subnetConfiguration,
      // Restricting the default SG needs a Lambda-backed custom resource; nothing uses that SG.
      restrictDefaultSecurityGroup: false,
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.vpc = vpc;
    this.instanceSubnets = { subnetType: this.instanceSubnetType };

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.TWO_WEEKS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.flowLogGroup = flowLogGroup;
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
  }
}
