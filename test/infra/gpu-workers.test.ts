// A dojo whose workers are a GPU type (issue 14: GPU workers for command jobs on AWS): the
// workers boot the ECS GPU-optimized AMI, `workers/gpus` tells the provider how many GPUs a
// command job's tasks reserve, and the cost table prices the type. The manager and the bundled
// fare model stay on CPU.
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDojoConfig } from '../../lib/infra/config';
import { GPU_ROOT_VOLUME_GIB, ROOT_VOLUME_GIB } from '../../lib/infra/constructs/ecs-host-template';
import { PRICES, dojoHourlyCost, formatDojoCostTable } from '../../lib/infra/cost';
import { CPU_INSTANCE_TYPES, INSTANCE_ALTERNATIVES, INSTANCE_GPUS, INSTANCE_PRICES_USD_PER_HOUR, OFFERED_INSTANCE_TYPES, hasGpus } from '../../lib/infra/instance-types';
import { dojoParameterName } from '../../lib/infra/parameters';
import { resourcesOf, synthDojo, type SynthesizedDojo } from './synth-helper';

const GPU_AMI = '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id';
const CPU_AMI = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';

let d: SynthesizedDojo;
beforeAll(() => {
  d = synthDojo({ dojoId: 'gpu', workerInstanceType: 'g4dn.xlarge' });
});
afterAll(() => d?.cleanup());

interface LaunchTemplateData {
  readonly ImageId: { Ref: string };
  readonly InstanceType: string;
  readonly BlockDeviceMappings: { Ebs: { VolumeSize: number } }[];
  readonly UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } };
}

function launchTemplate(host: IConstruct): LaunchTemplateData {
  const lt = resourcesOf(d.template)[d.logicalId(host.node.findChild('Host').node.findChild('LaunchTemplate'))];
  return lt?.Properties?.LaunchTemplateData as LaunchTemplateData;
}

// The SSM public parameter a launch template's image comes from (a CloudFormation parameter).
function amiParameter(host: IConstruct): string {
  const params = (d.template.toJSON() as { Parameters: Record<string, { Type: string; Default: string }> }).Parameters;
  const p = params[launchTemplate(host).ImageId.Ref];
  expect(p?.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
  return p!.Default;
}

function userData(host: IConstruct): string {
  return launchTemplate(host)
    .UserData['Fn::Base64']['Fn::Join'][1].map((x) => (typeof x === 'string' ? x : '<token>'))
    .join('');
}

describe('a g4dn.xlarge dojo', () => {
  it('boots the workers from the ECS GPU-optimized AMI with GPU support on, the manager from the standard one', () => {
    expect(amiParameter(d.stack.workers)).toBe(GPU_AMI);
    expect(amiParameter(d.stack.manager)).toBe(CPU_AMI);
    expect(userData(d.stack.workers)).toContain('echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config');
    expect(userData(d.stack.manager)).not.toContain('GPU');
    expect(launchTemplate(d.stack.workers).InstanceType).toBe('g4dn.xlarge');
    expect(launchTemplate(d.stack.workers).BlockDeviceMappings[0]!.Ebs.VolumeSize).toBe(GPU_ROOT_VOLUME_GIB);
    expect(launchTemplate(d.stack.manager).BlockDeviceMappings[0]!.Ebs.VolumeSize).toBe(ROOT_VOLUME_GIB);
  });

  it('launches a type with the same GPU count when g4dn is short, never one at twice the price', () => {
    const asg = resourcesOf(d.template)[d.logicalId(d.stack.workers.autoScalingGroup)]!.Properties!.MixedInstancesPolicy as { LaunchTemplate: { Overrides: { InstanceType: string }[] } };
    expect(asg.LaunchTemplate.Overrides.map((o) => o.InstanceType)).toEqual(['g4dn.xlarge', 'g6.xlarge']);
  });

  it('publishes workers/gpus = 1 for the provider to reserve on a command job\'s task definition', () => {
    d.template.hasResourceProperties('AWS::SSM::Parameter', { Name: dojoParameterName('gpu', 'workerGpus'), Value: '1' });
  });

  it('keeps the bundled fare model on CPU: the worker task definition reserves no GPU', () => {
    for (const r of Object.values(resourcesOf(d.template))) {
      if (r.Type !== 'AWS::ECS::TaskDefinition') continue;
      for (const c of r.Properties?.ContainerDefinitions as { ResourceRequirements?: unknown }[]) expect(c.ResourceRequirements).toBeUndefined();
    }
  });

  it('prices the GPU workers where the CPU types are priced (cost per hour)', () => {
    const cfg = parseDojoConfig({ dojoId: 'gpu', workerInstanceType: 'g4dn.xlarge' });
    const busy = dojoHourlyCost(cfg, { kind: 'active', busyWorkers: 2 });
    const gp3 = PRICES.gp3PerGiBMonth / PRICES.hoursPerMonth;
    expect(busy.items).toContainEqual({ item: '2 × worker g4dn.xlarge (1 GPU, on-demand)', kind: 'compute', usdPerHour: 2 * 0.526 });
    expect(busy.items).toContainEqual({ item: '2 × worker root volume gp3 100 GiB', kind: 'storage', usdPerHour: 2 * 100 * gp3 });
    expect(busy.computeUsdPerHour).toBeCloseTo(0.1664 + 2 * 0.526, 10);
    expect(formatDojoCostTable(busy)).toContain('| 2 × worker g4dn.xlarge (1 GPU, on-demand) | 1.0520 |');
    const spot = dojoHourlyCost({ ...cfg, spot: true }, { kind: 'active', busyWorkers: 1 });
    expect(spot.items).toContainEqual({ item: '1 × worker g4dn.xlarge (1 GPU, spot, estimated)', kind: 'compute', usdPerHour: 0.526 * PRICES.spotFractionOfOnDemand });
    // Idle, the dojo costs what a CPU dojo costs: GPU workers exist only while tasks need them.
    expect(dojoHourlyCost(cfg, { kind: 'active-idle' }).totalUsdPerHour).toBe(dojoHourlyCost(parseDojoConfig({ dojoId: 'cpu' }), { kind: 'active-idle' }).totalUsdPerHour);
  });
});

describe('GPU instance types', () => {
  it('count the GPUs of the common types: g4dn, g5, g6, p3', () => {
    expect(INSTANCE_GPUS['g4dn.xlarge']).toBe(1);
    expect(INSTANCE_GPUS['g4dn.12xlarge']).toBe(4);
    expect(INSTANCE_GPUS['g5.xlarge']).toBe(1);
    expect(INSTANCE_GPUS['g5.12xlarge']).toBe(4);
    expect(INSTANCE_GPUS['g6.xlarge']).toBe(1);
    expect(INSTANCE_GPUS['p3.2xlarge']).toBe(1);
    expect(INSTANCE_GPUS['p3.8xlarge']).toBe(4);
    expect(INSTANCE_GPUS['t3.xlarge']).toBe(0);
    for (const family of ['g4dn.', 'g5.', 'g6.', 'p3.']) expect(OFFERED_INSTANCE_TYPES.filter((t) => t.startsWith(family)).every(hasGpus)).toBe(true);
    for (const t of OFFERED_INSTANCE_TYPES) expect(INSTANCE_PRICES_USD_PER_HOUR[t]).toBeGreaterThan(0);
  });

  it('let a GPU type fall back only to types with as many GPUs, costing less than twice as much', () => {
    for (const t of OFFERED_INSTANCE_TYPES.filter(hasGpus)) {
      for (const a of INSTANCE_ALTERNATIVES[t].slice(1)) {
        const alt = a as keyof typeof INSTANCE_GPUS;
        expect(INSTANCE_GPUS[alt], `${t} -> ${a}`).toBe(INSTANCE_GPUS[t]);
        expect(INSTANCE_PRICES_USD_PER_HOUR[alt], `${t} -> ${a}`).toBeLessThan(2 * INSTANCE_PRICES_USD_PER_HOUR[t]);
      }
    }
  });

  it('are accepted for the workers and refused for the manager, naming the key', () => {
    expect(parseDojoConfig({ dojoId: 'x', workerInstanceType: 'g4dn.xlarge' }).workerInstanceType).toBe('g4dn.xlarge');
    expect(parseDojoConfig({ dojoId: 'x', workerInstanceType: 'p3.8xlarge' }).workerInstanceType).toBe('p3.8xlarge');
    expect(() => parseDojoConfig({ dojoId: 'x', managerInstanceType: 'g5.xlarge' })).toThrow(
      /^context managerInstanceType: must be one of t3\.medium, .*c5\.2xlarge \(the manager serves MLflow and the HPO service: no GPU type\), got "g5\.xlarge"$/,
    );
    expect(CPU_INSTANCE_TYPES).not.toContain('g5.xlarge');
    expect(CPU_INSTANCE_TYPES).toContain('t3.xlarge');
  });

  it('the cost table and the template agree on the root volumes', () => {
    expect(PRICES.rootVolumeGiB).toBe(ROOT_VOLUME_GIB);
    expect(PRICES.gpuRootVolumeGiB).toBe(GPU_ROOT_VOLUME_GIB);
  });
});
