// The ECS ReplicaLauncher: each replica of a trial is one task of the command job's task definition
// on the workers' capacity provider, with exactly the contract environment as container overrides.
// Rank 0 starts first; once it is RUNNING its address (host networking: the private IPv4 of its
// container instance) is MASTER_ADDR of ranks 1..R-1. Stopping is StopTask (ECS sends SIGTERM, then
// SIGKILL after the task definition's stopTimeout); exits come from DescribeTasks; a replica's
// output comes from its awslogs stream (stdout and stderr merged there), and its result file's
// lines from the stream of the task's follower sidecar (command-jobs.ts), which ends with
// RESULT_END_MARKER once the follower has written every line.
import { randomUUID } from 'node:crypto';
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { DojoError } from '../../errors';
import { RESULT_END_MARKER } from '../../jobs/result-follower';
import type { ReplicaExit, ReplicaLauncher, RunningTrial, TrialLaunch } from '../jobs/driver/launcher';
import { AWS_RESULT_FILE, RESULTS_CONTAINER, containerCommand } from './command-jobs';
import { jobTags, taskEnvironment, taskId } from './jobs';

/** Where a driver's replicas run (given to the driver by `job start`, see command-jobs.ts). */
export interface EcsReplicaSpec {
  readonly dojoId: string;
  readonly jobId: string;
  readonly group: number;
  readonly region: string;
  readonly cluster: string;
  /** The workers' capacity provider. */
  readonly capacityProvider: string;
  /** The command job's task definition (ARN). */
  readonly taskDefinition: string;
  /** Its one container. */
  readonly container: string;
  /** The log group and the awslogs stream prefix of that container. */
  readonly logGroup: string;
  readonly streamPrefix: string;
  /** MASTER_PORT: free on rank 0's instance (one task per worker instance), open between workers. */
  readonly masterPort: number;
}

/** The clients and pacing of the ECS launcher. */
export interface EcsLauncherOptions {
  readonly ecs: ECSClient;
  readonly ec2: EC2Client;
  readonly logs: CloudWatchLogsClient;
  readonly spec: EcsReplicaSpec;
  /** Ms between DescribeTasks / GetLogEvents polls. @default 2000 */
  readonly pollMs?: number;
  /** How long rank 0 may take to reach RUNNING (instances booting, image pulls). @default 20 min */
  readonly startTimeoutMs?: number;
  /** How long a stop waits for the tasks to be STOPPED beyond the grace period. @default 60 s */
  readonly stopSlackMs?: number;
  /**
   * How long, once every replica has ended, the driver waits for each follower's end marker
   * (awslogs delivers the last lines after the task has stopped). @default 60 s
   */
  readonly resultWaitMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The awslogs stream of a task's container: `<prefix>/<container>/<task id>` (the replica's by default). */
export function replicaStream(spec: Pick<EcsReplicaSpec, 'streamPrefix' | 'container'>, arn: string, container = spec.container): string {
  return `${spec.streamPrefix}/${container}/${taskId(arn)}`;
}

/** The ECS task group of a trial's replicas (`job stop` finds them by startedBy; this names the trial). */
export function replicaGroup(jobId: string, group: number, trial: number): string {
  return `${jobId}-g${group}-t${trial}`;
}

/** Starts replicas as ECS tasks. */
export class EcsReplicaLauncher implements ReplicaLauncher {
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: EcsLauncherOptions) {
    this.pollMs = o.pollMs ?? 2000;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The path in the replica's container (on the task's own volume, so the same for every trial). */
  resultFile(): string {
    return AWS_RESULT_FILE;
  }

  async launch(t: TrialLaunch): Promise<RunningTrial> {
    const started: string[] = [];
    try {
      const place = { worldSize: t.replicas, localRank: 0, localWorldSize: 1, masterPort: this.o.spec.masterPort };
      // Rank 0 reaches itself on loopback: its own address is known only once it is placed.
      started.push(await this.run(t, 0, { ...place, rank: 0, masterAddr: '127.0.0.1' }));
      if (t.replicas > 1) {
        const masterAddr = await this.addressOnceRunning(started[0]!);
        for (let rank = 1; rank < t.replicas; rank++) started.push(await this.run(t, rank, { ...place, rank, masterAddr }));
      }
    } catch (e) {
      await this.stopAll(started, 0, `dojo: trial ${t.trial} could not start all its replicas`);
      throw e;
    }
    return this.watch(t, started);
  }

  private async run(t: TrialLaunch, rank: number, place: Parameters<TrialLaunch['envFor']>[0]): Promise<string> {
    const s = this.o.spec;
    const env = t.envFor(place);
    const res = await this.o.ecs.send(
      new RunTaskCommand({
        cluster: s.cluster,
        taskDefinition: s.taskDefinition,
        count: 1,
        // Idempotent across the SDK's retries: a RunTask whose answer was lost starts no second replica.
        clientToken: randomUUID(),
        capacityProviderStrategy: [{ capacityProvider: s.capacityProvider, weight: 1, base: 0 }],
        startedBy: s.jobId,
        group: replicaGroup(s.jobId, s.group, t.trial),
        // The trial's own command line (an MLflow Project's placeholders are filled per trial).
        overrides: { containerOverrides: [{ name: s.container, command: containerCommand(t.command), environment: taskEnvironment(env, s.region) }] },
        tags: [...jobTags(s.dojoId, s.jobId), { key: 'dojo:group', value: String(s.group) }, { key: 'dojo:trial', value: String(t.trial) }, { key: 'dojo:rank', value: String(rank) }],
        enableECSManagedTags: true,
      }),
    );
    const arn = res.tasks?.[0]?.taskArn;
    if (!arn) {
      const f = res.failures?.[0];
      throw new DojoError('UNAVAILABLE', `RunTask for trial ${t.trial} rank ${rank} of ${s.jobId} failed: ${f?.reason ?? 'no task'}${f?.detail ? ` (${f.detail})` : ''}`);
    }
    return arn;
  }

  private async describe(arns: readonly string[]): Promise<Map<string, Task>> {
    const out = new Map<string, Task>();
    for (let i = 0; i < arns.length; i += 100) {
      const r = await this.o.ecs.send(new DescribeTasksCommand({ cluster: this.o.spec.cluster, tasks: arns.slice(i, i + 100) }));
      for (const task of r.tasks ?? []) if (task.taskArn) out.set(task.taskArn, task);
    }
    return out;
  }

  // Waits until rank 0's task is RUNNING and returns its instance's private IPv4 address.
  private async addressOnceRunning(arn: string): Promise<string> {
    const deadline = Date.now() + (this.o.startTimeoutMs ?? 20 * 60_000);
    for (;;) {
      const task = (await this.describe([arn])).get(arn);
      const status = task?.lastStatus;
      if (status === 'STOPPED' || status === 'DEPROVISIONING' || status === 'STOPPING') {
        throw new DojoError('UNAVAILABLE', `rank 0 (task ${taskId(arn)}) stopped before it ran: ${task?.stoppedReason ?? status}`);
      }
      if (status === 'RUNNING' && task?.containerInstanceArn) return this.instanceAddress(task.containerInstanceArn);
      if (Date.now() >= deadline) throw new DojoError('UNAVAILABLE', `rank 0 (task ${taskId(arn)}) is still ${status ?? 'unknown'} after ${Math.round((this.o.startTimeoutMs ?? 20 * 60_000) / 1000)} s`);
      await this.sleep(this.pollMs);
    }
  }

  private async instanceAddress(containerInstanceArn: string): Promise<string> {
    const ci = await this.o.ecs.send(new DescribeContainerInstancesCommand({ cluster: this.o.spec.cluster, containerInstances: [containerInstanceArn] }));
    const instanceId = ci.containerInstances?.[0]?.ec2InstanceId;
    if (!instanceId) throw new DojoError('AWS', `container instance ${containerInstanceArn} has no EC2 instance id`);
    const r = await this.o.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const ip = r.Reservations?.[0]?.Instances?.[0]?.PrivateIpAddress;
    if (!ip) throw new DojoError('AWS', `instance ${instanceId} (rank 0's) has no private IPv4 address`);
    return ip;
  }

  private async stopAll(arns: readonly string[], graceMs: number, reason: string): Promise<void> {
    if (arns.length === 0) return;
    for (const task of arns) {
      try {
        await this.o.ecs.send(new StopTaskCommand({ cluster: this.o.spec.cluster, task, reason }));
      } catch {
        // Already stopped (or gone): the DescribeTasks below says which.
      }
    }
    // ECS sends SIGKILL after the task definition's stopTimeout (set from the grace period at `job start`).
    const deadline = Date.now() + graceMs + (this.o.stopSlackMs ?? 60_000);
    while (Date.now() < deadline) {
      const tasks = await this.describe(arns);
      if (arns.every((a) => tasks.get(a)?.lastStatus === 'STOPPED' || !tasks.has(a))) return;
      await this.sleep(this.pollMs);
    }
  }

  // Polls the tasks until each has stopped, forwarding their log lines; exits settle in rank order as they come.
  private watch(t: TrialLaunch, arns: readonly string[]): RunningTrial {
    const settle: ((x: ReplicaExit) => void)[] = [];
    const exits = arns.map((_, rank) => new Promise<ReplicaExit>((resolve) => (settle[rank] = resolve)));
    const logs = arns.map((arn) => new StreamReader(this.o.logs, this.o.spec.logGroup, replicaStream(this.o.spec, arn)));
    const results = arns.map((arn) => new ResultStream(new StreamReader(this.o.logs, this.o.spec.logGroup, replicaStream(this.o.spec, arn, RESULTS_CONTAINER))));
    let incomplete: string | undefined;
    const ended: (ReplicaExit | undefined)[] = arns.map(() => undefined);
    let stopping = false;
    const emit = async (rank: number) => {
      for (const line of await logs[rank]!.read()) t.onLine(rank, 'output', line);
    };
    const poll = async () => {
      while (ended.some((x) => x === undefined)) {
        const tasks = await this.describe(arns).catch(() => undefined);
        for (let rank = 0; rank < arns.length; rank++) {
          if (ended[rank]) continue;
          await emit(rank).catch(() => undefined);
          const task = tasks?.get(arns[rank]!);
          if (task?.lastStatus !== 'STOPPED') continue;
          // The last lines: awslogs delivers them shortly after the container exits.
          await this.sleep(this.pollMs);
          await emit(rank).catch(() => undefined);
          const x = exitOf(rank, task, this.o.spec.container, stopping);
          ended[rank] = x;
          settle[rank]!(x);
        }
        if (ended.some((x) => x === undefined)) await this.sleep(this.pollMs);
      }
    };
    void poll();
    return {
      ids: arns.map((a) => `task ${taskId(a)}`),
      exits,
      stop: async (graceMs) => {
        stopping = true;
        await this.stopAll(arns.filter((_, rank) => !ended[rank]), graceMs, `dojo: trial ${t.trial} stopped`);
      },
      readResults: async (all) => {
        let text = await readAll(results);
        if (!all) return text;
        // Every replica has ended: wait (bounded) for each follower's last lines and end marker.
        const step = Math.max(1, this.pollMs);
        for (let waited = 0; !results.every((r) => r.ended) && waited < (this.o.resultWaitMs ?? 60_000); waited += step) {
          await this.sleep(step);
          text += await readAll(results);
        }
        const missing = results.flatMap((r, rank) => (r.ended ? [] : [rank]));
        incomplete = missing.length
          ? `the result stream of rank ${missing.join(', rank ')} (${missing.map((rank) => replicaStream(this.o.spec, arns[rank]!, RESULTS_CONTAINER)).join(', ')}) had no end marker ${seconds(this.o.resultWaitMs ?? 60_000)} s after the replicas ended: result lines may be missing`
          : undefined;
        return text;
      },
      resultsIncomplete: () => incomplete,
    };
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
}

// Reads every follower's new result lines (a failed read is tried again at the next call).
async function readAll(results: readonly ResultStream[]): Promise<string> {
  let text = '';
  for (const r of results) text += await r.read().catch(() => '');
  return text;
}

// A follower's stream: the result lines before its end marker, each with its line break.
class ResultStream {
  ended = false;

  constructor(private readonly reader: StreamReader) {}

  async read(): Promise<string> {
    if (this.ended) return '';
    let text = '';
    for (const line of await this.reader.read()) {
      if (line === RESULT_END_MARKER) {
        this.ended = true;
        break;
      }
      text += `${line}\n`;
    }
    return text;
  }
}

/** How a STOPPED task ended: its container's exit code, or lost with the stopped reason. */
export function exitOf(rank: number, task: Task, container: string, stopping: boolean): ReplicaExit {
  const c = task.containers?.find((x) => x.name === container) ?? task.containers?.[0];
  if (c?.exitCode !== undefined && c.exitCode !== null) return { rank, code: c.exitCode };
  if (stopping) return { rank, code: null, signal: 'SIGTERM' };
  return { rank, code: null, lost: task.stoppedReason ?? c?.reason ?? 'the task stopped without an exit code' };
}

// Reads a log stream forward from where it left off (none yet: the stream appears with the first line).
class StreamReader {
  private token: string | undefined;

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly group: string,
    private readonly stream: string,
  ) {}

  async read(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      let r;
      try {
        r = await this.logs.send(new GetLogEventsCommand({ logGroupName: this.group, logStreamName: this.stream, startFromHead: true, nextToken: this.token }));
      } catch (e) {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') return out;
        throw e;
      }
      for (const ev of r.events ?? []) out.push((ev.message ?? '').replace(/\n$/, ''));
      const same = r.nextForwardToken === this.token;
      this.token = r.nextForwardToken ?? this.token;
      if (same || (r.events ?? []).length === 0) return out;
    }
  }
}
