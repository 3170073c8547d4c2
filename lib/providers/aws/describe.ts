// `dojo inspect` on AWS: the dojo as SSM, EC2, ECS and Auto Scaling see it now.
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type Service, type Task } from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { dojoHourlyCost, type DojoCostConfig } from '../../infra/cost';
import { parseDojoConfig } from '../../infra/config';
import { DOJO_STATUS, dojoStackName } from '../../infra/parameters';
import type { DojoPorts } from '../../infra/ports';
import { DEFAULT_DOJO_PORTS } from '../../infra/ports';
import { trackingServerKind, type DojoConfig, type DojoInfo, type DojoStatus } from '../provider';
import type { AwsClients } from './clients';
import { managerServices, published, readDojoParams, type DojoParams } from './params';

/** The health of one ECS service of the manager. */
export interface ServiceHealth {
  readonly name: string;
  readonly running: number;
  readonly desired: number;
  /** One deployment, all desired tasks running. */
  readonly steady: boolean;
}

/** What the provider reads about a deployed dojo. */
export interface DojoSnapshot {
  readonly params: DojoParams;
  readonly manager?: Instance;
  readonly services: readonly ServiceHealth[];
  /** Worker tasks of jobs (startedBy job-...) running now. */
  readonly workerTasks: number;
  /** Worker instances in service. */
  readonly workerInstances: number;
}

/** The health of the tracking and HPO services. */
export async function serviceHealth(ecs: ECSClient, cluster: string, names: readonly string[]): Promise<ServiceHealth[]> {
  if (names.length === 0) return [];
  const r = await ecs.send(new DescribeServicesCommand({ cluster, services: [...names] }));
  return names.map((name) => {
    const s: Service | undefined = r.services?.find((x) => x.serviceName === name || x.serviceArn?.endsWith(`/${name}`));
    const running = s?.runningCount ?? 0;
    const desired = s?.desiredCount ?? 0;
    const deployments = s?.deployments ?? [];
    const rollout = deployments[0]?.rolloutState;
    const steady = s !== undefined && desired > 0 && running === desired && deployments.length <= 1 && (rollout === undefined || rollout === 'COMPLETED');
    return { name, running, desired, steady };
  });
}

/** Every task of the cluster with desired status RUNNING (paginated; described 100 at a time). */
export async function runningTasks(ecs: ECSClient, cluster: string, startedBy?: string): Promise<Task[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const r = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', startedBy, nextToken: token }));
    arns.push(...(r.taskArns ?? []));
    token = r.nextToken;
  } while (token);
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const r = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
    tasks.push(...(r.tasks ?? []));
  }
  return tasks;
}

/** The Auto Scaling groups by name (missing ones are left out). */
export async function describeAsgs(c: AwsClients, names: readonly string[]): Promise<AutoScalingGroup[]> {
  if (names.length === 0) return [];
  const r = await c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names] }));
  return r.AutoScalingGroups ?? [];
}

/** Reads everything inspect shows; undefined when the dojo is not deployed. */
export async function snapshot(c: AwsClients, dojoId: string): Promise<DojoSnapshot | undefined> {
  const params = await readDojoParams(c.ssm, dojoId);
  if (!params) return undefined;
  const instanceId = published(params, 'managerInstanceId');
  let manager: Instance | undefined;
  if (instanceId) {
    const r = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    manager = r.Reservations?.flatMap((x) => x.Instances ?? [])[0];
  }
  const cluster = params.cluster;
  const services = cluster ? await serviceHealth(c.ecs, cluster, managerServices(params)) : [];
  const tasks = cluster ? await runningTasks(c.ecs, cluster) : [];
  const workerTasks = tasks.filter((t) => t.startedBy?.startsWith('job-')).length;
  const asgs = params.workerAsg ? await describeAsgs(c, [params.workerAsg]) : [];
  const workerInstances = (asgs[0]?.Instances ?? []).filter((i) => i.LifecycleState === 'InService' || i.LifecycleState === 'Pending').length;
  return { params, manager, services, workerTasks, workerInstances };
}

/** The ports of a deployed dojo (its `ports` parameter), or the defaults. */
export function portsOf(params: DojoParams): DojoPorts {
  try {
    return params.ports ? { ...DEFAULT_DOJO_PORTS, ...(JSON.parse(params.ports) as Partial<DojoPorts>) } : DEFAULT_DOJO_PORTS;
  } catch {
    return DEFAULT_DOJO_PORTS;
  }
}

/** The cost inputs: the deployed config when readable, else what `dojo init` recorded. */
export function costConfig(cfg: DojoConfig, params?: DojoParams): DojoCostConfig {
  try {
    if (params?.config) return parseDojoConfig(JSON.parse(params.config) as Record<string, unknown>);
  } catch {
    // An unreadable deployed config falls back to the recorded settings.
  }
  return parseDojoConfig({ dojoId: cfg.id, managerInstanceType: cfg.managerInstanceType, workerInstanceType: cfg.workerInstanceType, maxWorkers: cfg.maxWorkers, spot: cfg.spot });
}

/** The DojoInfo of a snapshot (pure). */
export function dojoInfoOf(cfg: DojoConfig, region: string, snap: DojoSnapshot | undefined): DojoInfo {
  const stack = dojoStackName(cfg.id);
  if (!snap) {
    return {
      id: cfg.id,
      provider: 'aws',
      status: 'inactive',
      workers: 0,
      costPerHour: 0,
      createdAt: cfg.createdAt,
      warnings: [],
      extra: { DOJO_REGION: region, DOJO_STACK: `${stack} (not deployed; \`dojo activate ${cfg.id}\` deploys it)` },
    };
  }
  const p = snap.params;
  const ports = portsOf(p);
  const m = snap.manager;
  const managerState = m?.State?.Name ?? (published(p, 'managerInstanceId') ? 'unknown' : 'none');
  const managerUp = managerState === 'running';
  const address = managerUp ? (m?.PrivateIpAddress ?? published(p, 'managerAddress')) : undefined;
  const servicesUp = snap.services.length > 0 && snap.services.every((s) => s.steady);
  const deactivated = p.status === DOJO_STATUS.deactivated;
  const warnings: string[] = [];
  let status: DojoStatus;
  if (deactivated) status = managerUp || snap.workerInstances > 0 ? 'deactivating' : 'inactive';
  else if (managerUp && servicesUp) status = 'active';
  else if (p.status === DOJO_STATUS.active && (managerUp || snap.services.some((s) => s.desired > 0))) {
    status = managerUp ? 'degraded' : 'activating';
    for (const s of snap.services.filter((x) => !x.steady)) warnings.push(`service ${s.name}: ${s.running} of ${s.desired} task(s) running`);
  } else status = 'inactive';
  const cost = dojoHourlyCost(
    costConfig(cfg, p),
    status === 'inactive' ? { kind: 'deactivated' } : snap.workerInstances > 0 ? { kind: 'active', busyWorkers: snap.workerInstances } : { kind: 'active-idle' },
  );
  const extra: Record<string, string> = {
    DOJO_REGION: region,
    DOJO_STACK: stack,
    DOJO_CLUSTER: p.cluster ?? '',
    DOJO_BUCKET: p.bucket ?? '',
    DOJO_MANAGER_INSTANCE: published(p, 'managerInstanceId') ?? 'pending',
    DOJO_MANAGER_STATE: managerState,
    DOJO_MANAGER_PUBLIC_IP: (managerUp && m?.PublicIpAddress) || '',
    DOJO_WORKER_INSTANCES: String(snap.workerInstances),
  };
  for (const s of snap.services) extra[s.name === p.hpoService ? 'DOJO_SERVICE_HPO' : 'DOJO_SERVICE_TRACKING'] = `${s.running}/${s.desired}${s.steady ? ' steady' : ''}`;
  extra.DOJO_UI = cfg.trackingUri ?? `dojo ui ${cfg.id}  (SSM port forwarding to ${ports.tracking}, then http://localhost:${ports.tracking})`;
  return {
    id: cfg.id,
    provider: 'aws',
    status,
    managerIp: address,
    trackingUri: cfg.trackingUri ?? (address ? `http://${address}:${ports.tracking}` : undefined),
    trackingServer: trackingServerKind(cfg),
    hpoUri: address ? `http://${address}:${ports.hpo}` : undefined,
    workers: snap.workerTasks,
    costPerHour: Math.round(cost.totalUsdPerHour * 10000) / 10000,
    activatedAt: managerUp ? m?.LaunchTime?.toISOString() : undefined,
    createdAt: cfg.createdAt,
    warnings,
    extra,
  };
}
