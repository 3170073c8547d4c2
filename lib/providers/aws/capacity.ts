// Worker capacity for a job: ECS managed scaling grows a worker group spread over two AZs about
// one instance per step, so the replicas of one trial would start minutes apart. `job start`
// asks for all of the job's instances at once and waits (bounded) until they have joined the
// cluster, so that the replicas start together.
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeContainerInstancesCommand, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';
import type { ProgressFn } from '../provider';
import type { AwsClients } from './clients';
import { describeAsgs, runningTasks } from './describe';
import type { WaitSettings } from './lifecycle';
import { paged } from './scan';

/**
 * How long the replicas of a job wait for each other at their first rendezvous, counted from the
 * moment `job start` launches the tasks: time for instances that are still booting (PROVISIONING)
 * and for the image pull (PENDING). Passed to the workers as DOJO_RENDEZVOUS_DEADLINE.
 */
export const JOB_RENDEZVOUS_WINDOW_MS = 20 * 60_000;

/** Longest `job start` waits for the job's instances to register before it launches anyway. */
export const SCALE_OUT_WAIT_MS = 10 * 60_000;

/** What scaleOutForJob needs. */
export interface ScaleOut {
  readonly clients: AwsClients;
  readonly cluster: string;
  readonly workerAsg: string;
  /** Tasks the job is about to start (one per instance: a worker task reserves every vCPU). */
  readonly tasks: number;
  readonly progress: ProgressFn;
  readonly wait: WaitSettings;
}

/** The worker instances of the group that are registered and ACTIVE in the cluster. */
export async function registeredWorkers(c: AwsClients, cluster: string, instanceIds: ReadonlySet<string>): Promise<number> {
  const arns = await paged(async (nextToken) => {
    const r = await c.ecs.send(new ListContainerInstancesCommand({ cluster, status: 'ACTIVE', nextToken }));
    return { items: r.containerInstanceArns ?? [], next: r.nextToken };
  });
  let n = 0;
  for (let i = 0; i < arns.length; i += 100) {
    const r = await c.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(i, i + 100) }));
    n += (r.containerInstances ?? []).filter((ci) => ci.ec2InstanceId !== undefined && instanceIds.has(ci.ec2InstanceId)).length;
  }
  return n;
}

/**
 * Raises the worker group's desired capacity to the instances the running job tasks hold plus the
 * new ones (at most the group's maximum), then waits until that many worker instances are
 * registered in the cluster or SCALE_OUT_WAIT_MS has passed. Returns the desired capacity set.
 */
export async function scaleOutForJob(s: ScaleOut): Promise<number | undefined> {
  const c = s.clients;
  const [group] = await describeAsgs(c, [s.workerAsg]);
  if (!group) return undefined;
  const busy = (await runningTasks(c.ecs, s.cluster)).filter((t) => t.startedBy?.startsWith('job-')).length;
  const max = group.MaxSize ?? 0;
  const want = Math.min(max, busy + s.tasks);
  if (busy + s.tasks > max) {
    s.progress(`the job needs ${busy + s.tasks} worker instance(s) with the running jobs, the group allows ${max}: the other tasks wait for a free instance`);
  }
  if ((group.DesiredCapacity ?? 0) < want) {
    s.progress(`scaling ${s.workerAsg} out to ${want} instance(s) at once`);
    await c.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: s.workerAsg, DesiredCapacity: want }));
  }
  const waitMs = Math.min(s.wait.timeoutMs, SCALE_OUT_WAIT_MS);
  const deadline = Date.now() + waitMs;
  let last = -1;
  for (;;) {
    const [g] = await describeAsgs(c, [s.workerAsg]);
    const ids = new Set((g?.Instances ?? []).map((i) => i.InstanceId).filter((x): x is string => !!x));
    const ready = await registeredWorkers(c, s.cluster, ids);
    if (ready >= want) return want;
    if (ready !== last) s.progress(`waiting for worker instances: ${ready} of ${want} registered in the cluster`);
    last = ready;
    if (Date.now() >= deadline) {
      s.progress(
        `${ready} of ${want} worker instance(s) registered after ${Math.round(waitMs / 60000)} min; ` +
          'starting the tasks anyway: ECS keeps them PROVISIONING until capacity comes, and the replicas wait for each other',
      );
      return want;
    }
    await s.wait.sleep(s.wait.pollMs);
  }
}
