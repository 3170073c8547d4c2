import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DojoInfraConfig } from './config';
import { ArtifactStore } from './constructs/artifact-store';
import { CommandJobs, DRIVER_CONTAINER_NAME } from './constructs/command-jobs';
import { ComputeCluster } from './constructs/compute-cluster';
import { DojoParameters } from './constructs/dojo-parameters';
import { HpoService } from './constructs/hpo-service';
import { mlflowImage, repositoryRoot, runtimeImage } from './constructs/images';
import { ManagerNode } from './constructs/manager-node';
import { Network } from './constructs/network';
import { TrackingService } from './constructs/tracking-service';
import { WORKER_CONTAINER_NAME, WorkerTask } from './constructs/worker-task';
import { WorkerGroup } from './constructs/worker-group';
import { INSTANCE_ALTERNATIVES, INSTANCE_GPUS, hasGpus, wholeInstanceCpuUnits } from './instance-types';
import { acknowledgeDojoFindings } from './nag';
import { DOJO_OUTPUTS, DOJO_STATUS, NO_SERVICE_VALUE, PENDING_VALUE, dojoParameterPrefix, trackingSecretParameterName, type DojoParameterKey } from './parameters';
import { EPHEMERAL_PORTS, type DojoPorts } from './ports';

/** Props of DojoStack. */
export interface DojoStackProps extends StackProps {
  /** The validated dojo config. */
  readonly config: DojoInfraConfig;
  /**
   * Root of the repository (holds `runtime/Dockerfile` and `lib/infra/mlflow-image`).
   * @default - found from this module's location
   */
  readonly sourceRoot?: string;
}

/**
 * One dojo: network, cluster, manager (tracking + HPO services), workers, bucket, and the SSM
 * parameters and outputs that describe it.
 */
export class DojoStack extends Stack {
  /** The config the stack was built from. */
  public readonly config: DojoInfraConfig;
  /** The ports the stack opens. */
  public readonly ports: DojoPorts;
  /** The network. */
  public readonly network: Network;
  /** The bucket. */
  public readonly store: ArtifactStore;
  /** The cluster and its log group. */
  public readonly compute: ComputeCluster;
  /** The manager node. */
  public readonly manager: ManagerNode;
  /** The worker group. */
  public readonly workers: WorkerGroup;
  /** The tracking server; absent when the dojo uses an existing one (`trackingUri`). */
  public readonly tracking?: TrackingService;
  /** The HPO service. */
  public readonly hpo: HpoService;
  /** The worker task definition. */
  public readonly workerTask: WorkerTask;
  /** The command-job driver and the roles of command tasks. */
  public readonly commands: CommandJobs;
  /** The describing parameters. */
  public readonly parameters: DojoParameters;

  constructor(scope: Construct, id: string, props: DojoStackProps) {
    super(scope, id, { description: `dojo ${props.config.dojoId}: a disposable training cluster`, ...props });
    const c = props.config;
    this.config = c;
    const retention = c.logRetentionDays as logs.RetentionDays;
    const sourceRoot = props.sourceRoot ?? repositoryRoot();
    this.ports = {
      tracking: c.trackingPort,
      hpo: c.hpoPort,
      rendezvous: c.hpoPort,
      allreduceFrom: c.allreducePortFrom,
      allreduceTo: c.allreducePortTo,
    };

    this.network = new Network(this, 'Network', { dojoId: c.dojoId, private: c.private, flowLogRetention: retention });
    const vpc = this.network.vpc;
    this.store = new ArtifactStore(this, 'Store', { keepData: c.keepData });
    this.compute = new ComputeCluster(this, 'Compute', { vpc, logRetention: retention });
    const cluster = this.compute.cluster;

    this.manager = new ManagerNode(this, 'Manager', {
      dojoId: c.dojoId,
      vpc,
      subnets: this.network.instanceSubnets,
      cluster,
      instanceType: new ec2.InstanceType(c.managerInstanceType),
      alternativeInstanceTypes: INSTANCE_ALTERNATIVES[c.managerInstanceType].slice(1).map((t) => new ec2.InstanceType(t)),
      dataVolumeGiB: c.dataVolumeGiB,
      dataRemovalPolicy: c.keepData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.workers = new WorkerGroup(this, 'Workers', {
      vpc,
      subnets: this.network.instanceSubnets,
      cluster,
      instanceType: new ec2.InstanceType(c.workerInstanceType),
      alternativeInstanceTypes: INSTANCE_ALTERNATIVES[c.workerInstanceType].slice(1).map((t) => new ec2.InstanceType(t)),
      maxWorkers: c.maxWorkers,
      spot: c.spot,
      gpu: hasGpus(c.workerInstanceType),
    });

    const image = runtimeImage(sourceRoot);
    const logGroup = this.compute.logGroup;
    const managerCapacityProvider = this.manager.capacityProvider;
    // With an existing MLflow server nothing of the dojo's own is deployed (nor its image built).
    this.tracking =
      c.trackingUri === undefined
        ? new TrackingService(this, 'Tracking', { cluster, managerCapacityProvider, store: this.store, image: mlflowImage(sourceRoot), logGroup, port: c.trackingPort })
        : undefined;
    this.openPorts();
    const secrets = this.trackingSecrets();
    this.hpo = new HpoService(this, 'Hpo', { cluster, managerCapacityProvider, image, logGroup, port: c.hpoPort, trackingPort: c.trackingPort, trackingUri: c.trackingUri, secrets });
    this.workerTask = new WorkerTask(this, 'WorkerTask', { store: this.store, image, logGroup, cpuUnits: wholeInstanceCpuUnits(c.workerInstanceType), secrets });
    this.commands = new CommandJobs(this, 'Commands', { dojoId: c.dojoId, cluster, store: this.store, image, logGroup, secrets });

    const values: Record<DojoParameterKey, string> = {
      config: JSON.stringify(c),
      status: DOJO_STATUS.active,
      cluster: cluster.clusterName,
      bucket: this.store.bucket.bucketName,
      ports: JSON.stringify(this.ports),
      managerAsg: this.manager.autoScalingGroup.autoScalingGroupName,
      managerInstanceId: PENDING_VALUE,
      managerAddress: PENDING_VALUE,
      managerVolume: this.manager.dataVolume.volumeId,
      managerCapacityProvider: managerCapacityProvider.capacityProviderName,
      workerAsg: this.workers.autoScalingGroup.autoScalingGroupName,
      workerCapacityProvider: this.workers.capacityProvider.capacityProviderName,
      workerTaskDefinition: this.workerTask.taskDefinition.taskDefinitionArn,
      workerContainer: WORKER_CONTAINER_NAME,
      logGroup: logGroup.logGroupName,
      trackingService: this.tracking?.service.serviceName ?? NO_SERVICE_VALUE,
      hpoService: this.hpo.service.serviceName,
      workerGpus: String(INSTANCE_GPUS[c.workerInstanceType]),
      commandDriverTaskDefinition: this.commands.driverTaskDefinition.taskDefinitionArn,
      commandDriverContainer: DRIVER_CONTAINER_NAME,
      commandTaskRole: this.commands.taskRole.roleArn,
      commandExecutionRole: this.commands.executionRole.roleArn,
      commandFamilyPrefix: this.commands.familyPrefix,
    };
    this.parameters = new DojoParameters(this, 'Parameters', { dojoId: c.dojoId, values });
    this.addOutputs();
    acknowledgeDojoFindings(this);
  }

  /**
   * The MLflow auth variables of an existing server, as ECS secrets from the SecureStrings the CLI
   * wrote: ECS reads them at task start with the execution role, so they are never in a template,
   * a task definition or a RunTask override.
   */
  private trackingSecrets(): Record<string, ecs.Secret> {
    const out: Record<string, ecs.Secret> = {};
    for (const name of this.config.trackingSecrets) {
      const parameterName = trackingSecretParameterName(this.config.dojoId, name);
      out[name] = ecs.Secret.fromSsmParameter(ssm.StringParameter.fromSecureStringParameterAttributes(this, `TrackingSecret-${name}`, { parameterName }));
    }
    return out;
  }

  /** Exactly the ingress the dojo needs; nothing from the internet unless `uiAllowCidr`. */
  private openPorts(): void {
    const p = this.ports;
    const managerSg = this.manager.securityGroup;
    const workerSg = this.workers.securityGroup;
    // No tracking port on the manager when the dojo uses an existing server: nothing listens there.
    if (this.tracking) managerSg.addIngressRule(workerSg, ec2.Port.tcp(p.tracking), 'MLflow tracking from workers');
    managerSg.addIngressRule(workerSg, ec2.Port.tcp(p.hpo), 'HPO service and rendezvous from workers');
    workerSg.addIngressRule(workerSg, ec2.Port.tcpRange(p.allreduceFrom, p.allreduceTo), 'allreduce between replicas');
    // A command job's PyTorch (gloo, NCCL) connects its ranks on ports the kernel picks, not on
    // MASTER_PORT alone: without the local port range open between workers, DDP across instances hangs.
    workerSg.addIngressRule(workerSg, ec2.Port.tcpRange(EPHEMERAL_PORTS.from, EPHEMERAL_PORTS.to), "command replicas' collective connections (ephemeral ports)");
    if (this.tracking && this.config.uiAllowCidr !== undefined) {
      managerSg.addIngressRule(ec2.Peer.ipv4(this.config.uiAllowCidr), ec2.Port.tcp(p.tracking), 'tracking UI from the allow-listed CIDR');
    }
  }

  private addOutputs(): void {
    const out = (name: string, value: string): void => {
      new CfnOutput(this, name, { value });
    };
    out(DOJO_OUTPUTS.dojoId, this.config.dojoId);
    out(DOJO_OUTPUTS.cluster, this.compute.cluster.clusterName);
    out(DOJO_OUTPUTS.bucket, this.store.bucket.bucketName);
    out(DOJO_OUTPUTS.managerAsg, this.manager.autoScalingGroup.autoScalingGroupName);
    out(DOJO_OUTPUTS.managerVolume, this.manager.dataVolume.volumeId);
    out(DOJO_OUTPUTS.managerCapacityProvider, this.manager.capacityProvider.capacityProviderName);
    out(DOJO_OUTPUTS.workerAsg, this.workers.autoScalingGroup.autoScalingGroupName);
    out(DOJO_OUTPUTS.workerCapacityProvider, this.workers.capacityProvider.capacityProviderName);
    out(DOJO_OUTPUTS.workerTaskDefinition, this.workerTask.taskDefinition.taskDefinitionArn);
    out(DOJO_OUTPUTS.logGroup, this.compute.logGroup.logGroupName);
    out(DOJO_OUTPUTS.parameterPrefix, dojoParameterPrefix(this.config.dojoId));
  }
}
