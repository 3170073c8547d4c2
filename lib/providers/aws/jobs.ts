// Jobs on AWS: a task definition per custom image, and one ECS task per worker on the workers'
// capacity provider, each with the worker's command and environment (../jobs/workers.ts) as overrides.
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type KeyValuePair, type Tag } from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DojoError } from '../../errors';
import { DOJO_TAG_KEY } from '../../infra/parameters';
import { GLOB_KEYS } from '../../jobs/env';
import type { WorkerLaunch } from '../jobs/workers';
import type { JobRecord } from '../provider';
import { JOB_TAG_KEY, jobTaskFamily } from './names';

/** One started task of a job. */
export interface JobTask {
  readonly arn: string;
  readonly group: number;
  readonly replica: number;
}

/** What the AWS provider records in a job besides the common fields. */
export interface AwsJobFields {
  /** Task definition the job runs (the stack's, or one registered for --image). */
  readonly taskDefinition?: string;
  /** Tasks started by `job start`. */
  readonly tasks?: readonly JobTask[];
}

/** A job record of the AWS provider. */
export type AwsJobRecord = JobRecord & AwsJobFields;

/** The tags of everything a job creates. */
export function jobTags(dojoId: string, jobId: string): Tag[] {
  return [
    { key: DOJO_TAG_KEY, value: dojoId },
    { key: JOB_TAG_KEY, value: jobId },
  ];
}

/**
 * Registers a task definition for a custom image: a copy of the stack's worker task definition
 * (roles, host networking, placement, logging) with only the worker container's image replaced.
 */
export async function registerJobTaskDefinition(
  ecs: ECSClient,
  o: { readonly dojoId: string; readonly jobId: string; readonly baseTaskDefinition: string; readonly container: string; readonly image: string },
): Promise<string> {
  const base = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: o.baseTaskDefinition }))).taskDefinition;
  if (!base?.containerDefinitions?.some((c) => c.name === o.container)) {
    throw new DojoError('CONFLICT', `task definition ${o.baseTaskDefinition} has no container "${o.container}"; redeploy the dojo (\`dojo rm\` then \`dojo activate\`)`);
  }
  const r = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: jobTaskFamily(o.dojoId),
      taskRoleArn: base.taskRoleArn,
      executionRoleArn: base.executionRoleArn,
      networkMode: base.networkMode,
      requiresCompatibilities: base.requiresCompatibilities,
      placementConstraints: base.placementConstraints,
      volumes: base.volumes,
      cpu: base.cpu,
      memory: base.memory,
      containerDefinitions: base.containerDefinitions.map((c) => (c.name === o.container ? { ...c, image: o.image } : c)),
      tags: jobTags(o.dojoId, o.jobId),
    }),
  );
  const arn = r.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new DojoError('AWS', `RegisterTaskDefinition for ${o.image} returned no ARN`);
  return arn;
}

/** Refuses data globs a container cannot read (local paths of this machine). */
export function checkAwsJobEnv(env: Readonly<Record<string, string>>): void {
  for (const key of GLOB_KEYS) {
    const v = env[key];
    if (v && !v.startsWith('s3://')) {
      throw new DojoError('USAGE', `-e ${key} ${v}: workers on AWS read data from S3 only; upload it with \`dojo data put DIR ID\` and pass the s3:// glob it prints`);
    }
  }
}

/** Where a job's tasks run. */
export interface RunJobSpec {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly capacityProvider: string;
  readonly container: string;
  readonly dojoId: string;
  readonly jobId: string;
  readonly region: string;
}

/** A worker's container environment: the worker contract's variables plus the region, sorted by name. */
export function taskEnvironment(env: Readonly<Record<string, string>>, region: string): KeyValuePair[] {
  const all: Record<string, string> = { ...env, AWS_REGION: region, AWS_DEFAULT_REGION: region };
  return Object.keys(all)
    .sort()
    .map((name) => ({ name, value: all[name] }));
}

/** Starts one task per worker, in order (one RunTask each: the command differs per replica). */
export async function runJobTasks(ecs: ECSClient, s: RunJobSpec, workers: readonly WorkerLaunch[], onStarted: (t: JobTask) => void): Promise<JobTask[]> {
  const out: JobTask[] = [];
  for (const w of workers) {
    const res = await ecs.send(
      new RunTaskCommand({
        cluster: s.cluster,
        taskDefinition: s.taskDefinition,
        count: 1,
        capacityProviderStrategy: [{ capacityProvider: s.capacityProvider, weight: 1, base: 0 }],
        startedBy: s.jobId,
        group: `${s.jobId}-g${w.group}`,
        overrides: { containerOverrides: [{ name: s.container, command: [...w.args], environment: taskEnvironment(w.env, s.region) }] },
        tags: [...jobTags(s.dojoId, s.jobId), { key: 'dojo:group', value: String(w.group) }],
        enableECSManagedTags: true,
      }),
    );
    const arn = res.tasks?.[0]?.taskArn;
    if (!arn) {
      const f = res.failures?.[0];
      throw new DojoError(
        'UNAVAILABLE',
        `RunTask for ${s.jobId} g${w.group}/r${w.replica} failed: ${f?.reason ?? 'no task'}${f?.detail ? ` (${f.detail})` : ''}; ${out.length} task(s) started before it`,
      );
    }
    const t = { arn, group: w.group, replica: w.replica };
    out.push(t);
    onStarted(t);
  }
  return out;
}

/** The id of a task from its ARN (the last path segment). */
export function taskId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
