// `job start` of a command job on AWS: one driver task per --parallel slot on the manager (the
// stack's driver task definition, its command overridden with `dojo job drive --provider aws`),
// the workers scaled out to parallel × replicas first, as for a built-in job.
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { ProgressFn } from '../provider';
import type { WorkerLaunch } from '../jobs/workers';
import type { AwsClients } from './clients';
import { scaleOutForJob } from './capacity';
import { COMMAND_CONTAINER, ECS_REPLICAS_ENV, REPLICA_BASE_ENV, commandStreamPrefix, graceOf, withStopTimeout } from './command-jobs';
import { portsOf } from './describe';
import { runJobTasks, type AwsJobRecord, type JobTask } from './jobs';
import type { WaitSettings } from './lifecycle';
import { need, type DojoParams } from './params';
import type { EcsReplicaSpec } from './replicas';

/** The ECS task group of a job's driver of trial group g (a replica's group adds `-t<trial>`). */
export function driverGroup(jobId: string, group: number): string {
  return `${jobId}-g${group}`;
}

/** True for a task of the job that is one of its drivers (not a replica). */
export function isDriverTask(jobId: string, group: string | undefined): boolean {
  return group !== undefined && new RegExp(`^${jobId.replace(/[^\w-]/g, '')}-g\\d+$`).test(group);
}

/** What launching a command job's drivers needs. */
export interface DriverStart {
  readonly clients: AwsClients;
  readonly params: DojoParams;
  readonly dojoId: string;
  readonly job: AwsJobRecord;
  /** The drivers (workerLaunches of a command job: one per parallel slot). */
  readonly drivers: readonly WorkerLaunch[];
  readonly record: (job: AwsJobRecord) => void;
  readonly progress: ProgressFn;
  readonly wait: WaitSettings;
}

/** Starts the job's drivers on the manager, recording each task as it starts. */
export async function launchDrivers(s: DriverStart): Promise<void> {
  const { clients: c, params, dojoId: id, job } = s;
  const run = job.run!;
  const cluster = need(params, 'cluster', id);
  // The grace period is ECS's stopTimeout: the task definition gets it before any replica runs.
  const taskDefinition = await withStopTimeout(c.ecs, job.taskDefinition!, graceOf(run.env), id, job.id);
  let rec: AwsJobRecord = { ...job, taskDefinition, tasks: [] };
  s.record(rec);
  await scaleOutForJob({ clients: c, cluster, workerAsg: need(params, 'workerAsg', id), tasks: run.parallel * run.replicas, progress: s.progress, wait: s.wait });
  const driverTd = need(params, 'commandDriverTaskDefinition', id);
  const ports = portsOf(params);
  const base: Omit<EcsReplicaSpec, 'group'> = {
    dojoId: id,
    jobId: job.id,
    region: c.region,
    cluster,
    capacityProvider: need(params, 'workerCapacityProvider', id),
    taskDefinition,
    container: COMMAND_CONTAINER,
    logGroup: need(params, 'logGroup', id),
    streamPrefix: commandStreamPrefix(job.id),
    // One replica task per worker instance: the first port of the range open between workers is free there.
    masterPort: ports.allreduceFrom,
  };
  const drivers = s.drivers.map((w) => ({
    ...w,
    args: [...w.args, '--provider', 'aws'],
    env: { ...w.env, [ECS_REPLICAS_ENV]: JSON.stringify({ ...base, group: w.group }), [REPLICA_BASE_ENV]: JSON.stringify(run.env) },
  }));
  const spec = { cluster, taskDefinition: driverTd, capacityProvider: need(params, 'managerCapacityProvider', id), container: need(params, 'commandDriverContainer', id), dojoId: id, jobId: job.id, region: c.region };
  const tasks = await runJobTasks(c.ecs, spec, drivers, (t: JobTask) => {
    rec = { ...rec, tasks: [...(rec.tasks ?? []), t] };
    s.record(rec);
  });
  s.progress(`started ${tasks.length} trial driver(s) for ${job.id} on the manager; each runs its trials' ${run.replicas} replica(s) as tasks on the workers`);
}

/** The awslogs stream prefix of the driver container (read from its task definition: the stack sets it). */
export async function driverStreamPrefix(c: AwsClients, params: DojoParams, dojoId: string): Promise<string> {
  const td = (await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: need(params, 'commandDriverTaskDefinition', dojoId) }))).taskDefinition;
  const container = need(params, 'commandDriverContainer', dojoId);
  const prefix = td?.containerDefinitions?.find((x) => x.name === container)?.logConfiguration?.options?.['awslogs-stream-prefix'];
  return prefix ?? container;
}
