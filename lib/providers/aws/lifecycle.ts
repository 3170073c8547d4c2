// `dojo activate` and `dojo deactivate` on AWS: deploy when needed, then scale the manager's
// services and the Auto Scaling groups, waiting for ECS to report the services steady.
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { StopTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DojoError } from '../../errors';
import { DOJO_STATUS, dojoStackName } from '../../infra/parameters';
import type { DojoConfig, ProgressFn } from '../provider';
import type { AwsClients } from './clients';
import type { DeployTarget, StackDeployer } from './deploy';
import { describeAsgs, runningTasks, serviceHealth, type ServiceHealth } from './describe';
import { need, published, readDojoParams, writeStatus, type DojoParams } from './params';

/** Timing of the waits (tests make them instant). */
export interface WaitSettings {
  /** @default 10000 */
  readonly pollMs: number;
  /** @default 1_800_000 (30 min: a first deploy builds and pulls images) */
  readonly timeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The default waits. */
export const DEFAULT_WAIT: WaitSettings = { pollMs: 10_000, timeoutMs: 1_800_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** What activate needs. */
export interface LifecycleDeps {
  readonly clients: AwsClients;
  readonly deployer: StackDeployer;
  readonly target: DeployTarget;
  readonly cfg: DojoConfig;
  readonly progress: ProgressFn;
  readonly wait: WaitSettings;
}

/** What activate did. */
export interface ActivateResult {
  /** The stack was deployed by this call. */
  readonly deployed: boolean;
  /** Nothing had to change (already active). */
  readonly noop: boolean;
  /** The container asset tags of the deployed stack (when this call deployed it). */
  readonly assetImageTags?: readonly string[];
}

function serviceNames(params: DojoParams, id: string): string[] {
  return [need(params, 'trackingService', id), need(params, 'hpoService', id)];
}

/**
 * Deploys the stack unless its parameters exist (a dojo deployed with `npx cdk deploy -c dojoId=ID`
 * is found the same way), brings the manager back when deactivated, waits until the tracking and
 * HPO services are steady and the manager has published its address, then records `active`.
 */
export async function activateDojo(d: LifecycleDeps): Promise<ActivateResult> {
  const { clients: c, cfg, progress } = d;
  const id = cfg.id;
  let params = await readDojoParams(c.ssm, id);
  let deployed = false;
  let assetImageTags: readonly string[] | undefined;
  if (!params) {
    progress(`deploying stack ${dojoStackName(id)} to ${d.target.region} (the first deploy builds the images and takes 10-20 minutes)`);
    assetImageTags = (await d.deployer.deploy(d.target, progress)).assetImageTags;
    deployed = true;
    params = await readDojoParams(c.ssm, id);
    if (!params) throw new DojoError('INTERNAL', `stack ${dojoStackName(id)} deployed but /dojo/${id}/ has no parameters; check the stack in the CloudFormation console`);
  }
  const cluster = need(params, 'cluster', id);
  const services = serviceNames(params, id);
  const health = await serviceHealth(c.ecs, cluster, services);
  if (!deployed && params.status === DOJO_STATUS.active && health.every((s) => s.steady) && published(params, 'managerAddress')) {
    progress(`dojo ${id} is already active`);
    return { deployed, noop: true };
  }
  for (const s of health.filter((x) => x.desired < 1)) {
    progress(`starting service ${s.name}`);
    await c.ecs.send(new UpdateServiceCommand({ cluster, service: s.name, desiredCount: 1 }));
  }
  const managerAsg = need(params, 'managerAsg', id);
  const [asg] = await describeAsgs(c, [managerAsg]);
  if (asg && (asg.DesiredCapacity ?? 0) < 1) {
    progress(`starting the manager instance (${managerAsg})`);
    await c.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: managerAsg, DesiredCapacity: 1 }));
  }
  await waitSteady(d, cluster, services);
  await writeStatus(c.ssm, id, DOJO_STATUS.active);
  progress(`dojo ${id} is active`);
  return { deployed, noop: false, assetImageTags };
}

async function waitSteady(d: LifecycleDeps, cluster: string, services: readonly string[]): Promise<void> {
  const id = d.cfg.id;
  const deadline = Date.now() + d.wait.timeoutMs;
  let last = '';
  for (;;) {
    const health = await serviceHealth(d.clients.ecs, cluster, services);
    const params = await readDojoParams(d.clients.ssm, id);
    const address = params && published(params, 'managerAddress');
    if (health.every((s) => s.steady) && address) return;
    const now = describeWait(health, address);
    if (now !== last) d.progress(now);
    last = now;
    if (Date.now() >= deadline) {
      throw new DojoError('UNAVAILABLE', `dojo ${id}: the manager's services were not steady within ${Math.round(d.wait.timeoutMs / 60000)} min (${now}); see \`dojo inspect ${id}\` and the ECS console`);
    }
    await d.wait.sleep(d.wait.pollMs);
  }
}

function describeWait(health: readonly ServiceHealth[], address: string | undefined): string {
  const s = health.map((h) => `${h.name} ${h.running}/${h.desired}${h.steady ? ' steady' : ''}`).join(', ');
  return `waiting: ${s}; manager address ${address ?? 'pending'}`;
}

/** Stops the job tasks, scales the services and both Auto Scaling groups to zero, records `deactivated`. */
export async function deactivateDojo(d: LifecycleDeps): Promise<void> {
  const { clients: c, cfg, progress } = d;
  const id = cfg.id;
  const params = await readDojoParams(c.ssm, id);
  if (!params) {
    progress(`dojo ${id} is not deployed: nothing runs`);
    return;
  }
  const cluster = need(params, 'cluster', id);
  await stopJobTasks(c, cluster, undefined, `dojo deactivate ${id}`, progress);
  for (const s of serviceNames(params, id)) {
    await c.ecs.send(new UpdateServiceCommand({ cluster, service: s, desiredCount: 0 }));
  }
  const asgs = [need(params, 'managerAsg', id), need(params, 'workerAsg', id)];
  for (const name of asgs) {
    progress(`scaling ${name} to 0 instances`);
    await c.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, DesiredCapacity: 0 }));
  }
  await writeStatus(c.ssm, id, DOJO_STATUS.deactivated);
  const deadline = Date.now() + d.wait.timeoutMs;
  for (;;) {
    const left = (await describeAsgs(c, asgs)).flatMap((g) => g.Instances ?? []);
    if (left.length === 0) break;
    if (Date.now() >= deadline) {
      throw new DojoError('UNAVAILABLE', `dojo ${id}: ${left.length} instance(s) still running after ${Math.round(d.wait.timeoutMs / 60000)} min: ${left.map((i) => i.InstanceId).join(', ')}`);
    }
    progress(`waiting for ${left.length} instance(s) to terminate`);
    await d.wait.sleep(d.wait.pollMs);
  }
  progress(`dojo ${id} is deactivated: no instance runs, the data volume and the bucket are kept`);
}

/** Stops the running tasks of jobs (all jobs, or the one whose id tasks were started by). */
export async function stopJobTasks(
  c: AwsClients,
  cluster: string,
  jobId: string | undefined,
  reason: string,
  progress: ProgressFn,
  known: readonly string[] = [],
): Promise<number> {
  const listed = (await runningTasks(c.ecs, cluster, jobId)).filter((t) => t.startedBy?.startsWith('job-')).map((t) => t.taskArn);
  // Tasks RunTask started a moment ago may not be listed yet (ListTasks is eventually consistent).
  const arns = [...new Set([...listed, ...known])].filter((a): a is string => a !== undefined);
  if (arns.length > 0) progress(`stopping ${arns.length} job task(s)`);
  for (const task of arns) {
    await c.ecs.send(new StopTaskCommand({ cluster, task, reason }));
  }
  return arns.length;
}
