import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnResource, TagManager } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_BASE_IMAGE, MLFLOW_BOTO3_VERSION } from '../../lib/infra/constructs/images';
import { INSTANCE_ALTERNATIVES, INSTANCE_VCPUS } from '../../lib/infra/instance-types';
import { DOJO_PARAMETERS, DOJO_TAG_KEY, dojoParameterName, type DojoParameterKey } from '../../lib/infra/parameters';
import { isStackLogGroup } from '../../lib/providers/aws/names';
import { resourcesOf, synthDojo, type SynthesizedDojo } from './synth-helper';

// One synthesis per configuration, shared by the tests of this file (synthesis takes seconds).
let d: SynthesizedDojo;
beforeAll(() => {
  d = synthDojo({ dojoId: 'demo' });
});
afterAll(() => d?.cleanup());

const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });

describe('network (default: public subnets)', () => {
  it('has a VPC named for the dojo over 2 AZs and no NAT gateway', () => {
    d.template.resourceCountIs('AWS::EC2::VPC', 1);
    d.template.hasResourceProperties('AWS::EC2::VPC', { Tags: Match.arrayWith([{ Key: 'Name', Value: 'dojo-demo' }]) });
    d.template.resourceCountIs('AWS::EC2::Subnet', 2);
    d.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    d.template.resourceCountIs('AWS::EC2::EIP', 0);
  });

  it('has a free S3 gateway endpoint', () => {
    d.template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    d.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
  });

  it('sends flow logs to CloudWatch', () => {
    d.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    d.template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', LogDestinationType: 'cloud-watch-logs' });
  });
});

describe('security groups', () => {
  type Rule = { group: string; from: number; to: number; source: string };
  function ingressRules(): Rule[] {
    const rules: Rule[] = [];
    const idOf = (v: unknown): string => {
      const att = (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      return att ? att[0] : JSON.stringify(v);
    };
    for (const [id, r] of Object.entries(resourcesOf(d.template))) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::EC2::SecurityGroupIngress') {
        rules.push({ group: idOf(p.GroupId), from: p.FromPort as number, to: p.ToPort as number, source: (p.CidrIp as string) ?? idOf(p.SourceSecurityGroupId) });
      }
      if (r.Type === 'AWS::EC2::SecurityGroup') {
        for (const i of (p.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
          rules.push({ group: id, from: i.FromPort as number, to: i.ToPort as number, source: (i.CidrIp as string) ?? (i.CidrIpv6 as string) ?? idOf(i.SourceSecurityGroupId) });
        }
      }
    }
    return rules;
  }

  it('admits exactly workers → manager on 5001/5002 and workers ↔ workers on 29500-29599 and the ephemeral ports', () => {
    const manager = d.logicalId(d.stack.manager.securityGroup);
    const workers = d.logicalId(d.stack.workers.securityGroup);
    const sort = (rs: Rule[]) => [...rs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sort(ingressRules())).toEqual(
      sort([
        { group: manager, from: 5001, to: 5001, source: workers },
        { group: manager, from: 5002, to: 5002, source: workers },
        { group: workers, from: 29500, to: 29599, source: workers },
        // PyTorch's gloo/NCCL ranks of a command job connect on ports the kernel picks.
        { group: workers, from: 32768, to: 60999, source: workers },
      ]),
    );
    d.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5001,
      ToPort: 5001,
      GroupId: getAtt(manager, 'GroupId'),
      SourceSecurityGroupId: getAtt(workers, 'GroupId'),
    });
  });

  it('admits nothing from 0.0.0.0/0 or ::/0, and never port 22', () => {
    for (const r of ingressRules()) {
      expect(['0.0.0.0/0', '::/0']).not.toContain(r.source);
      expect(r.from <= 22 && r.to >= 22).toBe(false);
    }
  });
});

describe('manager and workers', () => {
  it('use launch templates with IMDSv2 required and encrypted gp3 root volumes; no launch configuration', () => {
    d.template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    d.template.resourceCountIs('AWS::EC2::LaunchTemplate', 2);
    for (const host of [d.stack.manager, d.stack.workers]) {
      const lt = d.logicalId(host.node.findChild('Host').node.findChild('LaunchTemplate'));
      d.template.hasResource('AWS::EC2::LaunchTemplate', {
        Properties: {
          LaunchTemplateData: Match.objectLike({
            MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
            InstanceType: 't3.xlarge',
            BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 30, VolumeType: 'gp3' } }],
          }),
        },
      });
      d.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
        MixedInstancesPolicy: Match.objectLike({
          LaunchTemplate: Match.objectLike({ LaunchTemplateSpecification: { LaunchTemplateId: { Ref: lt }, Version: getAtt(lt, 'LatestVersionNumber') } }),
        }),
      });
    }
  });

  it('the manager attaches, mounts and publishes its data volume at boot; both hosts join the cluster', () => {
    const userData = (host: IConstruct): string => {
      const lt = resourcesOf(d.template)[d.logicalId(host.node.findChild('Host').node.findChild('LaunchTemplate'))];
      const joined = (lt?.Properties?.LaunchTemplateData as { UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } } }).UserData['Fn::Base64']['Fn::Join'][1];
      return joined.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
    };
    const manager = userData(d.stack.manager);
    const volume = d.logicalId(d.stack.manager.dataVolume);
    expect(manager).toContain(`VOLUME_ID=<{"Ref":"${volume}"}>`);
    expect(manager).toContain('aws ec2 attach-volume --region "$REGION" --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID"');
    expect(manager).toContain('/data xfs defaults,nofail 0 2" >> /etc/fstab');
    expect(manager).toContain("--name '/dojo/demo/manager/address'");
    expect(manager).toContain('ECS_INSTANCE_ATTRIBUTES={"dojo.role":"manager"}');
    // The cluster line comes last, so a failed mount (set -e) never registers the host.
    expect(manager.indexOf('set -euo pipefail')).toBeLessThan(manager.indexOf('attach-volume'));
    expect(manager.trimEnd().split('\n').at(-1)).toBe(`echo ECS_CLUSTER=<{"Ref":"${d.logicalId(d.stack.compute.cluster)}"}> >> /etc/ecs/ecs.config`);
    const worker = userData(d.stack.workers);
    expect(worker).toContain('ECS_INSTANCE_ATTRIBUTES={"dojo.role":"worker"}');
    expect(worker).toContain('ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true');
    expect(worker).not.toContain('attach-volume');
    expect(worker).toContain(`ECS_CLUSTER=<{"Ref":"${d.logicalId(d.stack.compute.cluster)}"}>`);
  });

  it('have no SSH key', () => {
    for (const r of Object.values(resourcesOf(d.template))) {
      if (r.Type === 'AWS::EC2::LaunchTemplate') expect(r.Properties?.LaunchTemplateData).not.toHaveProperty('KeyName');
    }
  });

  it('the workers scale from 0 to maxWorkers', () => {
    d.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '4',
      MixedInstancesPolicy: Match.objectLike({
        LaunchTemplate: Match.objectLike({
          LaunchTemplateSpecification: Match.objectLike({ LaunchTemplateId: { Ref: d.logicalId(d.stack.workers.node.findChild('Host').node.findChild('LaunchTemplate')) } }),
        }),
      }),
    });
  });

  it('the manager is one instance (0 when deactivated) pinned to the subnet of its data volume', () => {
    const asg = resourcesOf(d.template)[d.logicalId(d.stack.manager.autoScalingGroup)];
    expect(asg?.Properties).toMatchObject({ MinSize: '0', MaxSize: '1' });
    expect(asg?.Properties?.VPCZoneIdentifier).toHaveLength(1);
  });

  it('both are capacity providers with managed scaling and termination protection off', () => {
    d.template.resourceCountIs('AWS::ECS::CapacityProvider', 2);
    for (const group of [d.stack.manager, d.stack.workers]) {
      d.template.hasResourceProperties('AWS::ECS::CapacityProvider', {
        AutoScalingGroupProvider: {
          AutoScalingGroupArn: { Ref: d.logicalId(group.autoScalingGroup) },
          ManagedScaling: { Status: 'ENABLED', TargetCapacity: 100 },
          ManagedTerminationProtection: 'DISABLED',
          ManagedDraining: 'ENABLED',
        },
      });
    }
    for (const r of Object.values(resourcesOf(d.template))) {
      if (r.Type === 'AWS::AutoScaling::AutoScalingGroup') expect(r.Properties?.NewInstancesProtectedFromScaleIn ?? false).toBe(false);
    }
    d.template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: [{ Ref: d.logicalId(d.stack.manager.capacityProvider) }, { Ref: d.logicalId(d.stack.workers.capacityProvider) }],
      DefaultCapacityProviderStrategy: [{ CapacityProvider: { Ref: d.logicalId(d.stack.workers.capacityProvider) }, Weight: 1 }],
    });
  });

  it('runs no drain-hook Lambda or SNS topic (ECS managed draining instead)', () => {
    d.template.resourceCountIs('AWS::SNS::Topic', 0);
    d.template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
  });

  it('the manager has an encrypted gp3 data volume that it may attach, and Session Manager access', () => {
    d.template.resourceCountIs('AWS::EC2::Volume', 1);
    d.template.hasResource('AWS::EC2::Volume', {
      Properties: { Encrypted: true, VolumeType: 'gp3', Size: 20 },
      DeletionPolicy: 'Delete',
    });
    d.template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
    d.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ec2:AttachVolume', Condition: Match.objectLike({ 'ForAnyValue:StringEquals': Match.anyValue() }) }),
        ]),
      },
      Roles: [{ Ref: d.logicalId(d.stack.manager.instanceRole) }],
    });
  });
});

describe('storage', () => {
  it('one bucket: encrypted, public access blocked, unversioned, incomplete uploads aborted, destroyed with its objects', () => {
    d.template.resourceCountIs('AWS::S3::Bucket', 1);
    d.template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LifecycleConfiguration: { Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })] },
      }),
      DeletionPolicy: 'Delete',
    });
    const bucket = resourcesOf(d.template)[d.logicalId(d.stack.store.bucket)];
    expect(bucket?.Properties).not.toHaveProperty('VersioningConfiguration');
    d.template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  it('TLS only', () => {
    d.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('services on the manager', () => {
  function container(taskDefinitionId: string): Record<string, unknown> {
    const td = resourcesOf(d.template)[taskDefinitionId];
    const defs = td?.Properties?.ContainerDefinitions as Record<string, unknown>[];
    expect(defs).toHaveLength(1);
    return defs[0] as Record<string, unknown>;
  }

  it('MLflow: the pinned image (as a derived asset), its command, SQLite on the data volume, artifacts in the bucket', () => {
    expect(MLFLOW_BASE_IMAGE).toMatch(/^ghcr\.io\/mlflow\/mlflow:v\d+\.\d+\.\d+$/);
    const bucket = d.logicalId(d.stack.store.bucket);
    d.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'host',
      RequiresCompatibilities: ['EC2'],
      PlacementConstraints: [{ Type: 'memberOf', Expression: 'attribute:dojo.role == manager' }],
      Volumes: [{ Name: 'data', Host: { SourcePath: '/data/mlflow' } }],
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'mlflow',
          DockerLabels: { 'dojo.mlflow.base-image': MLFLOW_BASE_IMAGE },
          Command: [
            'mlflow', 'server', '--host', '0.0.0.0', '--port', '5001',
            '--backend-store-uri', 'sqlite:////data/mlflow.db',
            '--artifacts-destination', { 'Fn::Join': ['', ['s3://', { Ref: bucket }, '/artifacts']] },
            '--serve-artifacts', '--workers', '1',
          ],
          HealthCheck: Match.objectLike({ StartPeriod: 120, Retries: 3 }),
          PortMappings: [{ ContainerPort: 5001, HostPort: 5001, Protocol: 'tcp' }],
          MountPoints: [{ SourceVolume: 'data', ContainerPath: '/data', ReadOnly: false }],
        }),
      ],
    });
    const image = container(d.logicalId(d.stack.tracking!.taskDefinition)).Image;
    expect(JSON.stringify(image)).toContain('container-assets');
  });

  it('both images are Docker assets built at deploy time (MLflow with the pinned build args, runtime from runtime/Dockerfile)', () => {
    const manifest = JSON.parse(readFileSync(path.join(d.app.outdir, 'dojo-demo.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; dockerBuildArgs?: Record<string, string>; platform?: string } }>;
    };
    const sources = Object.values(manifest.dockerImages).map((i) => i.source);
    expect(sources).toHaveLength(2);
    expect(sources).toContainEqual(
      expect.objectContaining({ dockerBuildArgs: { MLFLOW_IMAGE: MLFLOW_BASE_IMAGE, BOTO3_VERSION: MLFLOW_BOTO3_VERSION }, platform: 'linux/amd64' }),
    );
    expect(sources).toContainEqual(expect.objectContaining({ dockerFile: 'runtime/Dockerfile', platform: 'linux/amd64' }));
    // Staged without node_modules: synthesis copies sources only and never runs Docker.
    const runtime = sources.find((s) => s.dockerFile === 'runtime/Dockerfile');
    expect(existsSync(path.join(d.app.outdir, runtime?.directory ?? '', 'runtime', 'Dockerfile'))).toBe(true);
    expect(existsSync(path.join(d.app.outdir, runtime?.directory ?? '', 'node_modules'))).toBe(false);
  });

  it('HPO: the runtime image running `hpo serve` on 5002 with its database on the data volume', () => {
    const c = container(d.logicalId(d.stack.hpo.taskDefinition));
    expect(c).toMatchObject({
      Name: 'hpo',
      Command: ['hpo', 'serve', '--host', '0.0.0.0', '--port', '5002', '--db', '/data/hpo.db', '--tracking', 'http://127.0.0.1:5001'],
      PortMappings: [{ ContainerPort: 5002, HostPort: 5002, Protocol: 'tcp' }],
      MountPoints: [{ SourceVolume: 'data', ContainerPath: '/data', ReadOnly: false }],
    });
    // The HPO service and the workers run the same runtime image asset.
    const worker = container(d.logicalId(d.stack.workerTask.taskDefinition));
    expect(worker.Image).toEqual(c.Image);
    expect(c.Image).not.toEqual(container(d.logicalId(d.stack.tracking!.taskDefinition)).Image);
  });

  it('services are created after (and deleted before) the capacity provider association', () => {
    const association = Object.entries(resourcesOf(d.template)).find(([, r]) => r.Type === 'AWS::ECS::ClusterCapacityProviderAssociations')?.[0];
    expect(association).toBeDefined();
    for (const svc of [d.stack.tracking!, d.stack.hpo]) {
      d.template.hasResource('AWS::ECS::Service', {
        Properties: Match.objectLike({ TaskDefinition: { Ref: d.logicalId(svc.taskDefinition) } }),
        DependsOn: Match.arrayWith([association]),
      });
    }
    d.template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      Properties: Match.objectLike({ MaxSize: '1' }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ManagerHostInstanceRoleDefaultPolicy')]),
    });
  });

  it('both services run one task on the manager capacity provider, stop-before-start', () => {
    d.template.resourceCountIs('AWS::ECS::Service', 2);
    for (const svc of [d.stack.tracking!, d.stack.hpo]) {
      d.template.hasResourceProperties('AWS::ECS::Service', {
        TaskDefinition: { Ref: d.logicalId(svc.taskDefinition) },
        DesiredCount: 1,
        CapacityProviderStrategy: [{ CapacityProvider: { Ref: d.logicalId(d.stack.manager.capacityProvider) }, Weight: 1 }],
        DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100 }),
        PropagateTags: 'SERVICE',
      });
    }
  });
});

describe('worker task', () => {
  it('runs the runtime image on worker hosts with host networking', () => {
    d.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'host',
      PlacementConstraints: [{ Type: 'memberOf', Expression: 'attribute:dojo.role == worker' }],
      ContainerDefinitions: [Match.objectLike({ Name: 'worker', Command: ['worker', 'run'], LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }) })],
    });
  });

  it('its task role reads data/ and writes artifacts/ and nothing else', () => {
    const bucketArn = getAtt(d.logicalId(d.stack.store.bucket), 'Arn');
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    d.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: d.logicalId(d.stack.workerTask.taskDefinition.taskRole) }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('data/') },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['data/', 'data/*'] } } },
          { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: objects('artifacts/') },
        ],
      },
    });
  });

  it('the tracking task role works on artifacts/ only; the HPO task role has no policy', () => {
    const bucketArn = getAtt(d.logicalId(d.stack.store.bucket), 'Arn');
    d.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: d.logicalId(d.stack.tracking!.taskDefinition.taskRole) }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: { 'Fn::Join': ['', [bucketArn, '/artifacts/*']] } },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': ['artifacts/', 'artifacts/*'] } } },
        ],
      },
    });
    const hpoRole = d.logicalId(d.stack.hpo.taskDefinition.taskRole);
    for (const r of Object.values(resourcesOf(d.template))) {
      if (r.Type === 'AWS::IAM::Policy') expect(r.Properties?.Roles).not.toContainEqual({ Ref: hpoRole });
    }
  });

  it('no policy anywhere grants s3:* or the whole bucket', () => {
    for (const r of Object.values(resourcesOf(d.template))) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      const text = JSON.stringify(r.Properties?.PolicyDocument);
      expect(text).not.toContain('"s3:*"');
      expect(text).not.toMatch(/"Arn"\]\},"\/\*"/); // a bare `<bucketArn>/*`
    }
  });
});

describe('logs', () => {
  it('every log group has the retention and is deleted with the dojo', () => {
    d.template.resourceCountIs('AWS::Logs::LogGroup', 2);
    for (const r of Object.values(resourcesOf(d.template))) {
      if (r.Type !== 'AWS::Logs::LogGroup') continue;
      expect(r.Properties?.RetentionInDays).toBe(14);
      expect(r.DeletionPolicy).toBe('Delete');
    }
  });

  it('every logical id starts with a capital: `dojo rm demo` tells its generated log group names from those of a dojo `demo-x` by it', () => {
    const ids = Object.keys(resourcesOf(d.template));
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.filter((id) => !/^[A-Z][A-Za-z0-9]*$/.test(id))).toEqual([]);
    // The function and log group names CloudFormation would generate are the stack's, not a longer-named dojo's.
    for (const id of ids) expect(isStackLogGroup('dojo-demo', `dojo-demo-${id.slice(0, 30)}-A1B2C3D4E5F6`)).toBe(true);
  });
});

describe('describing the dojo', () => {
  it('has one SSM parameter per documented key under /dojo/demo/', () => {
    const keys = Object.keys(DOJO_PARAMETERS) as DojoParameterKey[];
    d.template.resourceCountIs('AWS::SSM::Parameter', keys.length);
    for (const key of keys) {
      d.template.hasResourceProperties('AWS::SSM::Parameter', { Name: dojoParameterName('demo', key), Type: 'String' });
    }
    expect(dojoParameterName('demo', 'cluster')).toBe('/dojo/demo/cluster');
  });

  it('records the config, the status, the ports and the cluster', () => {
    const params = d.template.findResources('AWS::SSM::Parameter');
    const byName = new Map(Object.values(params).map((r) => [r.Properties.Name as string, r.Properties.Value as unknown]));
    expect(JSON.parse(byName.get('/dojo/demo/config') as string)).toMatchObject({ dojoId: 'demo', maxWorkers: 4, workerInstanceType: 't3.xlarge' });
    expect(byName.get('/dojo/demo/status')).toBe('active');
    expect(JSON.parse(byName.get('/dojo/demo/ports') as string)).toEqual({ tracking: 5001, hpo: 5002, rendezvous: 5002, allreduceFrom: 29500, allreduceTo: 29599 });
    expect(byName.get('/dojo/demo/cluster')).toEqual({ Ref: d.logicalId(d.stack.compute.cluster) });
    expect(byName.get('/dojo/demo/manager/address')).toBe('pending');
  });

  it('the manager may overwrite only its own two parameters', () => {
    d.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: d.logicalId(d.stack.manager.instanceRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'ssm:PutParameter',
            Resource: [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/dojo/demo/manager/instance-id']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/dojo/demo/manager/address']] },
            ],
          },
        ]),
      },
    });
  });

  it('has stack outputs', () => {
    d.template.hasOutput('ClusterName', { Value: { Ref: d.logicalId(d.stack.compute.cluster) } });
    d.template.hasOutput('BucketName', { Value: { Ref: d.logicalId(d.stack.store.bucket) } });
    d.template.hasOutput('ParameterPrefix', { Value: '/dojo/demo/' });
  });

  it('tags every taggable resource dojo:id=demo (ASG tags propagate to instances)', () => {
    const resources = resourcesOf(d.template);
    const checked: string[] = [];
    for (const c of d.stack.node.findAll()) {
      if (!CfnResource.isCfnResource(c) || !TagManager.isTaggable(c)) continue;
      const r = resources[d.stack.getLogicalId(c)];
      if (r === undefined) continue;
      const tags = r.Properties?.Tags;
      const found = Array.isArray(tags)
        ? tags.find((t: { Key: string }) => t.Key === DOJO_TAG_KEY)
        : tags && (tags as Record<string, string>)[DOJO_TAG_KEY] !== undefined
          ? { Value: (tags as Record<string, string>)[DOJO_TAG_KEY] }
          : undefined;
      const viaSpec = (r.Properties?.TagSpecifications as { Tags: { Key: string; Value: string }[] }[] | undefined)?.[0]?.Tags.find((t) => t.Key === DOJO_TAG_KEY);
      expect({ resource: c.node.path, tag: (found ?? viaSpec)?.Value }).toEqual({ resource: c.node.path, tag: 'demo' });
      if (r.Type === 'AWS::AutoScaling::AutoScalingGroup') expect(found).toMatchObject({ PropagateAtLaunch: true });
      checked.push(r.Type);
    }
    for (const t of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::Volume', 'AWS::S3::Bucket', 'AWS::ECS::Cluster', 'AWS::ECS::Service', 'AWS::ECS::TaskDefinition', 'AWS::SSM::Parameter', 'AWS::Logs::LogGroup', 'AWS::IAM::Role', 'AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::SecurityGroup']) {
      expect(checked).toContain(t);
    }
    // Instances and their volumes are tagged at launch by the launch templates.
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::EC2::LaunchTemplate') continue;
      const specs = (r.Properties?.LaunchTemplateData as { TagSpecifications: { ResourceType: string; Tags: { Key: string; Value: string }[] }[] }).TagSpecifications;
      expect(specs.map((s) => s.ResourceType).sort()).toEqual(['instance', 'volume']);
      for (const s of specs) expect(s.Tags).toContainEqual({ Key: DOJO_TAG_KEY, Value: 'demo' });
    }
  });
});

describe('placement and capacity (t3.xlarge workers, on-demand)', () => {
  const group = (asg: IConstruct) => resourcesOf(d.template)[d.logicalId(asg)]!.Properties!;

  it('a worker task reserves every vCPU of a t3.xlarge (4096 units): one CPU-bound replica per instance', () => {
    const td = resourcesOf(d.template)[d.logicalId(d.stack.workerTask.taskDefinition)];
    const worker = (td?.Properties?.ContainerDefinitions as Record<string, unknown>[])[0]!;
    // ECS registers 1024 units per vCPU; a second 4096-unit task does not fit on the same instance.
    expect(worker.Cpu).toBe(4096);
    expect(worker.Cpu).toBe(INSTANCE_VCPUS['t3.xlarge'] * 1024);
  });

  it('both groups launch any of several instance types, the chosen one first, on-demand', () => {
    for (const asg of [d.stack.workers.autoScalingGroup, d.stack.manager.autoScalingGroup]) {
      const p = group(asg);
      expect(p.LaunchTemplate).toBeUndefined();
      const policy = p.MixedInstancesPolicy as { LaunchTemplate: { Overrides: { InstanceType: string }[] }; InstancesDistribution: Record<string, unknown> };
      expect(policy.LaunchTemplate.Overrides.map((o) => o.InstanceType)).toEqual([...INSTANCE_ALTERNATIVES['t3.xlarge']]);
      expect(policy.LaunchTemplate.Overrides.length).toBeGreaterThan(1);
      expect(policy.InstancesDistribution).toEqual({ OnDemandAllocationStrategy: 'prioritized', OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100 });
    }
  });
});
