import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Root volume of every ECS host (GiB): the ECS-optimized AL2023 AMI needs at least 30. */
export const ROOT_VOLUME_GIB = 30;

/**
 * Root volume of a GPU host (GiB): the GPU AMI carries the NVIDIA driver, and a CUDA training
 * image (PyTorch's is over 10 GB unpacked) must fit beside it while Docker pulls it.
 */
export const GPU_ROOT_VOLUME_GIB = 100;

/** Props of EcsHostTemplate. */
export interface EcsHostTemplateProps {
  /** The dojo's VPC (for the security group). */
  readonly vpc: ec2.IVpc;
  /** Instance type of the hosts. */
  readonly instanceType: ec2.InstanceType;
  /** Value of the `dojo.role` ECS instance attribute that task placement constraints match. */
  readonly role: 'manager' | 'worker';
  /**
   * Shell commands run at boot before the ECS agent registers the host.
   * @default - none
   */
  readonly bootCommands?: readonly string[];
  /**
   * The hosts have NVIDIA GPUs: boot the ECS GPU-optimized AMI, let the agent hand GPUs to tasks
   * that reserve them, and give the root volume room for CUDA images.
   * @default false
   */
  readonly gpu?: boolean;
}

/**
 * The launch template shared by the manager and the workers: ECS-optimized Amazon Linux 2023 (its
 * GPU variant for GPU workers),
 * IMDSv2 required, encrypted gp3 root volume, an instance role that Session Manager can use (no
 * SSH key, no port 22), and a security group with no ingress (callers add exact rules).
 */
export class EcsHostTemplate extends Construct {
  /** The launch template (never a launch configuration). */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The hosts' security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The instance role. */
  public readonly instanceRole: iam.Role;
  /** The user data (the cluster appends its ECS_CLUSTER line). */
  public readonly userData: ec2.UserData;

  constructor(scope: Construct, id: string, props: EcsHostTemplateProps) {
    super(scope, id);
    const gpu = props.gpu ?? false;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `dojo ${props.role} hosts: ingress only from the rules the stack adds`,
      allowAllOutbound: true,
    });
    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.userData = ec2.UserData.forLinux();
    this.userData.addCommands(
      'set -euo pipefail',
      ...(props.bootCommands ?? []),
      `echo 'ECS_INSTANCE_ATTRIBUTES={"dojo.role":"${props.role}"}' >> /etc/ecs/ecs.config`,
      // Tasks use host networking (allreduce between instances, fixed service ports); their
      // task roles then need the agent's credential endpoint on the host network.
      'echo ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true >> /etc/ecs/ecs.config',
      'echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config',
      ...(gpu ? ['echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config'] : []),
    );
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(gpu ? ecs.AmiHardwareType.GPU : ecs.AmiHardwareType.STANDARD),
      instanceType: props.instanceType,
      securityGroup: this.securityGroup,
      role: this.instanceRole,
      userData: this.userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(gpu ? GPU_ROOT_VOLUME_GIB : ROOT_VOLUME_GIB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });
  }
}
