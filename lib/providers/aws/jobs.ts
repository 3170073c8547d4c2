// Jobs on AWS: one ECS task per worker (a command job's: per driver, see command-start.ts) on the workers'
// capacity provider, each with the worker's command and environment (../jobs/workers.ts) as overrides.
import { RunTaskCommand, type KeyValuePair, type Tag } from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DojoError } from '../../errors';
import { DOJO_TAG_KEY } from '../../infra/parameters';
import { GLOB_KEYS } from '../../jobs/env';
import type { WorkerLaunch } from '../jobs/workers';
import type { JobRecord } from '../provider';
import { JOB_TAG_KEY } from './names';

/** One started task of a job. */
export interface JobTask {
  readonly arn: string;
  readonly group: number;
  readonly replica: number;
}

/** What the AWS provider records in a job besides the common fields. */
export interface AwsJobFields {
  /** Task definition the job runs (the stack's worker one, or a command job's own: command-jobs.ts). */
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
