import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DojoError } from '../../lib/errors';
import { ArtifactStore } from '../../lib/infra/constructs/artifact-store';
import { DojoParameters } from '../../lib/infra/constructs/dojo-parameters';
import { HpoService } from '../../lib/infra/constructs/hpo-service';
import { ManagerNode } from '../../lib/infra/constructs/manager-node';
import { Network } from '../../lib/infra/constructs/network';
import { TrackingService } from '../../lib/infra/constructs/tracking-service';
import { WorkerGroup } from '../../lib/infra/constructs/worker-group';
import { WorkerTask } from '../../lib/infra/constructs/worker-task';
import { DOJO_PARAMETERS, type DojoParameterKey } from '../../lib/infra/parameters';

// Constructor validation: each construct rejects a bad prop with the value in the message,
// before synthesis (no template is built here).
function setup() {
  const stack = new Stack(new App(), 'T');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const logGroup = new logs.LogGroup(stack, 'Logs');
  const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1.36');
  return { stack, vpc, cluster, logGroup, image };
}

function rejects(fn: () => unknown, message: string): void {
  // One call only: the construct registers its id before the validation throws.
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DojoError);
  expect((error as DojoError).message).toContain(message);
}

describe('construct props are validated in the constructor', () => {
  it('Network maxAzs', () => {
    const { stack } = setup();
    rejects(() => new Network(stack, 'N', { dojoId: 'x', maxAzs: 0 }), 'Network maxAzs: must be a whole number from 1 to 6, got 0');
  });

  it('ManagerNode dataVolumeGiB and subnets', () => {
    const { stack, vpc, cluster } = setup();
    rejects(
      () => new ManagerNode(stack, 'M', { dojoId: 'x', vpc, cluster, subnets: { subnetType: ec2.SubnetType.PUBLIC }, dataVolumeGiB: 0 }),
      'ManagerNode dataVolumeGiB: must be a whole number from 1 to 16384, got 0',
    );
    rejects(
      () => new ManagerNode(stack, 'M2', { dojoId: 'x', vpc, cluster, subnets: { subnets: [] } }),
      'ManagerNode subnets: the selection matches no subnet of the VPC',
    );
  });

  it('WorkerGroup maxWorkers', () => {
    const { stack, vpc, cluster } = setup();
    rejects(
      () => new WorkerGroup(stack, 'W', { vpc, cluster, subnets: { subnetType: ec2.SubnetType.PUBLIC }, maxWorkers: -1 }),
      'WorkerGroup maxWorkers: must be a whole number from 0 to 100, got -1',
    );
  });

  it('TrackingService and HpoService ports', () => {
    const { stack, vpc, cluster, logGroup, image } = setup();
    const manager = new ManagerNode(stack, 'M', { dojoId: 'x', vpc, cluster, subnets: { subnetType: ec2.SubnetType.PUBLIC } });
    const store = new ArtifactStore(stack, 'S');
    const common = { cluster, managerCapacityProvider: manager.capacityProvider, logGroup, image };
    rejects(() => new TrackingService(stack, 'T', { ...common, store, port: 80 }), 'TrackingService port: must be a whole number from 1024 to 65535, got 80');
    rejects(() => new HpoService(stack, 'H', { ...common, port: 70000 }), 'HpoService port: must be a whole number from 1024 to 65535, got 70000');
  });

  it('WorkerTask memory', () => {
    const { stack, logGroup, image } = setup();
    const store = new ArtifactStore(stack, 'S');
    rejects(() => new WorkerTask(stack, 'W', { store, image, logGroup, memoryReservationMiB: 64 }), 'WorkerTask memoryReservationMiB: must be a whole number >= 128, got 64');
  });

  it('DojoParameters values', () => {
    const { stack } = setup();
    const values = Object.fromEntries(Object.keys(DOJO_PARAMETERS).map((k) => [k, 'v'])) as Record<DojoParameterKey, string>;
    rejects(() => new DojoParameters(stack, 'P', { dojoId: 'x', values: { ...values, bucket: '' } }), 'DojoParameters values.bucket: must not be empty');
  });
});
