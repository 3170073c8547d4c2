import { RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { dojoParameterName } from '../parameters';
import { addEcsCapacityProvider, addEcsHostGroup, type EcsHostGroupProps } from './ecs-host-group';

/** Where the manager mounts its persistent data volume. */
export const MANAGER_DATA_PATH = '/data';
/** uid of the runtime image's non-root user (`node`): it owns the HPO database directory. */
export const RUNTIME_UID = 1000;

/** Props of ManagerNode. */
export interface ManagerNodeProps extends EcsHostGroupProps {
  /** The dojo id (names the SSM parameters the manager keeps current). */
  readonly dojoId: string;
  /** Subnets the manager may use; it is pinned to the first one, where its data volume lives. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Size of the persistent data volume (GiB).
   * @default 20
   */
  readonly dataVolumeGiB?: number;
  /**
   * What happens to the data volume when the stack is destroyed.
   * @default RemovalPolicy.DESTROY
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
}

/**
 * The manager: one ECS container instance (an Auto Scaling group of 0..1, as its own capacity
 * provider, so `deactivate` is "services to 0" and ECS scales the instance away) with a
 * persistent encrypted gp3 data volume that it attaches and mounts at boot. The volume outlives
 * stop/start and instance replacement; the tracking and HPO databases live on it.
 */
export class ManagerNode extends Construct {
  /** The manager's Auto Scaling group (min 0, max 1). */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The manager's capacity provider: services that must run on the manager use it. */
  public readonly capacityProvider: ecs.AsgCapacityProvider;
  /** The manager's security group (no ingress until the stack adds exact rules). */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The persistent data volume. */
  public readonly dataVolume: ec2.IVolume;
  /** The instance role. */
  public readonly instanceRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ManagerNodeProps) {
    super(scope, id);
    const dataGiB = props.dataVolumeGiB ?? 20;
    if (!Number.isInteger(dataGiB) || dataGiB < 1 || dataGiB > 16384) {
      throw new DojoError('USAGE', `ManagerNode dataVolumeGiB: must be a whole number from 1 to 16384, got ${dataGiB}`);
    }
    const subnet = props.vpc.selectSubnets(props.subnets).subnets[0];
    if (subnet === undefined) throw new DojoError('USAGE', 'ManagerNode subnets: the selection matches no subnet of the VPC');

    const volume = new ec2.Volume(this, 'DataVolume', {
      availabilityZone: subnet.availabilityZone,
      size: Size.gibibytes(dataGiB),
      volumeType: ec2.EbsDeviceVolumeType.GP3,
      encrypted: true,
      removalPolicy: props.dataRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.dataVolume = volume;

    const region = Stack.of(this).region;
    const instanceIdParam = dojoParameterName(props.dojoId, 'managerInstanceId');
    const addressParam = dojoParameterName(props.dojoId, 'managerAddress');
    const hosts = addEcsHostGroup(this, props, {
      role: 'manager',
      bootCommands: mountDataVolumeCommands(volume.volumeId, region, instanceIdParam, addressParam),
      vpcSubnets: { subnets: [subnet] },
      maxCapacity: 1,
    });
    this.autoScalingGroup = hosts.autoScalingGroup;
    this.securityGroup = hosts.securityGroup;
    this.instanceRole = hosts.instanceRole;

    volume.grantAttachVolumeByResourceTag(hosts.instanceRole, [this.autoScalingGroup]);
    // The boot script needs the role's policy: no instance before it exists.
    this.autoScalingGroup.node.addDependency(hosts.instanceRole);
    hosts.instanceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:PutParameter'],
        resources: [instanceIdParam, addressParam].map((name) =>
          Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) }),
        ),
      }),
    );
    this.capacityProvider = addEcsCapacityProvider(this, hosts, props.cluster);
  }
}

/**
 * First-boot script: attach the data volume (retrying while a replaced manager still holds it),
 * format it once, mount it (and record it in fstab for later boots), prepare the service
 * directories, and publish this instance's id and address.
 * It runs before the ECS agent registers the host, and a failure stops the boot before the
 * ECS_CLUSTER line, so no service ever starts on an unmounted /data.
 */
function mountDataVolumeCommands(volumeId: string, region: string, instanceIdParam: string, addressParam: string): string[] {
  return [
    `TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')`,
    `md() { curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }`,
    'INSTANCE_ID=$(md instance-id)',
    'ADDRESS=$(md local-ipv4)',
    `REGION=${region}`,
    `VOLUME_ID=${volumeId}`,
    'command -v aws >/dev/null || dnf install -y -q awscli-2',
    'DEV=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID/-/}',
    'for i in $(seq 1 60); do [ -e "$DEV" ] && break; aws ec2 attach-volume --region "$REGION" --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" --device /dev/sdf && break; sleep 5; done',
    'for i in $(seq 1 60); do [ -e "$DEV" ] && break; sleep 2; done',
    '[ -e "$DEV" ] || { echo "dojo: data volume $VOLUME_ID did not attach" >&2; exit 1; }',
    'blkid "$DEV" >/dev/null || mkfs.xfs -q "$DEV"',
    // fstab, because user data runs on the first boot only and a stopped manager keeps the volume.
    `mkdir -p ${MANAGER_DATA_PATH} && echo "$DEV ${MANAGER_DATA_PATH} xfs defaults,nofail 0 2" >> /etc/fstab && mount ${MANAGER_DATA_PATH}`,
    `mkdir -p ${MANAGER_DATA_PATH}/mlflow ${MANAGER_DATA_PATH}/hpo && chown ${RUNTIME_UID}:${RUNTIME_UID} ${MANAGER_DATA_PATH}/hpo`,
    `aws ssm put-parameter --region "$REGION" --overwrite --name '${instanceIdParam}' --value "$INSTANCE_ID" >/dev/null`,
    `aws ssm put-parameter --region "$REGION" --overwrite --name '${addressParam}' --value "$ADDRESS" >/dev/null`,
  ];
}
