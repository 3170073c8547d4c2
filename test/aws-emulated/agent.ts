// What the instances of a dojo do by themselves in a real account, played by the suite against
// moto (which launches instances as records and runs nothing on them):
// - the ECS agent registers each instance of the dojo's groups in the cluster with its
//   `dojo.role` attribute (the launch template's user data writes ECS_INSTANCE_ATTRIBUTES); that
//   an instance leaves the cluster when it terminates is ECS's own doing, which the moto plugin
//   emulates at the termination itself (a poll here would come too late inside one DeleteStack);
// - the manager's boot script publishes its instance id and private address in SSM.
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, ListContainerInstancesCommand, PutAttributesCommand, RegisterContainerInstanceCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { dojoParameterName } from '../../lib/infra/parameters';
import type { AwsClients } from '../../lib/providers/aws/clients';
import { readDojoParams } from '../../lib/providers/aws/params';

/** The agents of one dojo's instances, polling moto until stopped. */
export class InstanceAgents {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Instances registered so far (instance id → role), for the suite's assertions. */
  readonly registered = new Map<string, 'manager' | 'worker'>();
  /** Errors of a round, kept for the suite to show (a round never throws into the timer). */
  readonly errors: string[] = [];

  constructor(
    private readonly c: AwsClients,
    private readonly dojoId: string,
    private readonly everyMs = 250,
  ) {}

  /** Starts polling. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.round()
        .catch((e: unknown) => void this.errors.push(String(e)))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.everyMs);
        });
    };
    tick();
  }

  /** Stops polling and waits for the round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: register new instances and publish the manager. */
  async round(): Promise<void> {
    const p = await readDojoParams(this.c.ssm, this.dojoId);
    if (!p?.cluster || !p.managerAsg || !p.workerAsg) return;
    const cluster = p.cluster;
    const groups = (await this.c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [p.managerAsg, p.workerAsg] }))).AutoScalingGroups ?? [];
    const live = new Map<string, 'manager' | 'worker'>();
    for (const g of groups) {
      const role = g.AutoScalingGroupName === p.managerAsg ? 'manager' : 'worker';
      for (const i of g.Instances ?? []) if (i.InstanceId && i.LifecycleState === 'InService') live.set(i.InstanceId, role);
    }
    const arns = (await this.c.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns ?? [];
    const known = arns.length
      ? ((await this.c.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }))).containerInstances ?? [])
      : [];
    for (const id of this.registered.keys()) if (!live.has(id)) this.registered.delete(id);
    const have = new Set(known.map((ci) => ci.ec2InstanceId));
    for (const [instanceId, role] of live) {
      if (have.has(instanceId)) continue;
      const r = await this.c.ecs.send(
        new RegisterContainerInstanceCommand({ cluster, instanceIdentityDocument: JSON.stringify({ instanceId, region: this.c.region }), attributes: [{ name: 'dojo.role', value: role }] }),
      );
      // moto keeps only the attributes PutAttributes sets.
      await this.c.ecs.send(new PutAttributesCommand({ cluster, attributes: [{ name: 'dojo.role', value: role, targetId: r.containerInstance?.containerInstanceArn }] }));
      this.registered.set(instanceId, role);
      if (role === 'manager') await this.publishManager(instanceId);
    }
  }

  private async publishManager(instanceId: string): Promise<void> {
    const r = await this.c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const address = r.Reservations?.[0]?.Instances?.[0]?.PrivateIpAddress ?? '';
    const put = (key: 'managerInstanceId' | 'managerAddress', value: string) =>
      this.c.ssm.send(new PutParameterCommand({ Name: dojoParameterName(this.dojoId, key), Value: value, Type: 'String', Overwrite: true }));
    await put('managerInstanceId', instanceId);
    await put('managerAddress', address);
  }
}
