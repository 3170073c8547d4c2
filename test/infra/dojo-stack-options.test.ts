import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_ALTERNATIVES } from '../../lib/infra/instance-types';
import { resourcesOf, synthDojo, type SynthesizedDojo } from './synth-helper';

// Two non-default configurations, each synthesized once for its describe block.
describe('private: true', () => {
  let d: SynthesizedDojo;
  beforeAll(() => {
    d = synthDojo({ dojoId: 'priv', private: 'true' });
  });
  afterAll(() => d?.cleanup());

  it('has private subnets behind exactly one NAT gateway', () => {
    d.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    d.template.resourceCountIs('AWS::EC2::EIP', 1);
    d.template.resourceCountIs('AWS::EC2::Subnet', 4);
    d.template.hasResourceProperties('AWS::EC2::Route', { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: Match.anyValue() });
  });

  it('puts the manager and the workers in the private subnets', () => {
    const resources = resourcesOf(d.template);
    const privateSubnets = d.stack.network.vpc.privateSubnets.map((s) => ({ Ref: d.logicalId(s) }));
    expect(privateSubnets).toHaveLength(2);
    expect(resources[d.logicalId(d.stack.workers.autoScalingGroup)]?.Properties?.VPCZoneIdentifier).toEqual(privateSubnets);
    expect(resources[d.logicalId(d.stack.manager.autoScalingGroup)]?.Properties?.VPCZoneIdentifier).toEqual([privateSubnets[0]]);
    for (const s of d.stack.network.vpc.privateSubnets) {
      expect(resources[d.logicalId(s)]?.Properties?.MapPublicIpOnLaunch).toBe(false);
    }
  });
});

describe('spot, uiAllowCidr, keepData, maxWorkers, instance types, ports', () => {
  let d: SynthesizedDojo;
  beforeAll(() => {
    d = synthDojo({
      dojoId: 'big',
      spot: 'true',
      uiAllowCidr: '203.0.113.7/32',
      keepData: 'true',
      maxWorkers: '10',
      managerInstanceType: 'm5.large',
      workerInstanceType: 'c5.2xlarge',
      trackingPort: '6001',
      hpoPort: '6002',
      logRetentionDays: '30',
    });
  });
  afterAll(() => d?.cleanup());

  it('runs the workers on Spot through a mixed instances policy on the launch template', () => {
    const lt = d.logicalId(d.stack.workers.node.findChild('Host').node.findChild('LaunchTemplate'));
    d.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '10',
      MixedInstancesPolicy: {
        InstancesDistribution: { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'price-capacity-optimized' },
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: { Ref: lt }, Version: Match.anyValue() } },
      },
    });
    d.template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ InstanceType: 'c5.2xlarge' }) });
    d.template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ InstanceType: 'm5.large' }) });
    d.template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    // cdk-nag cannot follow the MixedInstancesPolicy (EC26 acknowledged): the encryption is checked here.
    d.template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })], MetadataOptions: Match.objectLike({ HttpTokens: 'required' }) }),
    });
  });

  it('opens the tracking port to the one allowed CIDR, and nothing else to any CIDR', () => {
    const manager = d.logicalId(d.stack.manager.securityGroup);
    d.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '203.0.113.7/32', IpProtocol: 'tcp', FromPort: 6001, ToPort: 6001, Description: Match.anyValue() }],
    });
    const sg = resourcesOf(d.template)[manager];
    expect(sg?.Properties?.SecurityGroupIngress).toHaveLength(1);
    d.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6002, ToPort: 6002 });
  });

  it('retains the bucket and the data volume', () => {
    d.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    d.template.hasResource('AWS::EC2::Volume', { DeletionPolicy: 'Retain' });
    d.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('services use the configured ports', () => {
    d.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'mlflow', Command: Match.arrayWith(['--port', '6001']), PortMappings: [{ ContainerPort: 6001, HostPort: 6001, Protocol: 'tcp' }] })],
    });
    d.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'hpo', Command: Match.arrayWith(['--port', '6002', '--tracking', 'http://127.0.0.1:6001']) })],
    });
    d.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/dojo/big/ports',
      Value: JSON.stringify({ tracking: 6001, hpo: 6002, rendezvous: 6002, allreduceFrom: 29500, allreduceTo: 29599 }),
    });
  });

  it('log groups keep the configured retention', () => {
    d.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('the worker task reserves the 8 vCPUs of a c5.2xlarge', () => {
    const td = resourcesOf(d.template)[d.logicalId(d.stack.workerTask.taskDefinition)];
    expect((td?.Properties?.ContainerDefinitions as Record<string, unknown>[])[0]!.Cpu).toBe(8192);
  });

  it('spot workers choose among several types by price and capacity; the manager stays on-demand over its own alternatives', () => {
    d.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: {
        InstancesDistribution: { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'price-capacity-optimized' },
        LaunchTemplate: Match.objectLike({ Overrides: INSTANCE_ALTERNATIVES['c5.2xlarge'].map((t) => ({ InstanceType: t })) }),
      },
    });
    const manager = resourcesOf(d.template)[d.logicalId(d.stack.manager.autoScalingGroup)]!.Properties!.MixedInstancesPolicy as {
      LaunchTemplate: { Overrides: { InstanceType: string }[] };
      InstancesDistribution: Record<string, unknown>;
    };
    expect(manager.LaunchTemplate.Overrides.map((o) => o.InstanceType)).toEqual([...INSTANCE_ALTERNATIVES['m5.large']]);
    expect(manager.InstancesDistribution.OnDemandPercentageAboveBaseCapacity).toBe(100);
  });
});
