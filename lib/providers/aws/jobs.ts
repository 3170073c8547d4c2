// Jobs on AWS: a task definition per custom image, and P × R ECS tasks per job on the workers'
// capacity provider, each with the worker command and the DOJO_* environment as overrides.
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type KeyValuePair, type Tag } from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DojoError } from '../../errors';
import { DOJO_TAG_KEY } from '../../infra/parameters';
import { GLOB_KEYS } from '../job-env';
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

/** Everything one RunTask of a job needs. */
export interface RunJobSpec {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly capacityProvider: string;
  readonly container: string;
  readonly dojoId: string;
  readonly jobId: string;
  readonly region: string;
  readonly parallel: number;
  readonly replicas: number;
  readonly studyId: string;
  readonly metric: string;
  /** Base URLs of the manager's services as the workers (in the VPC) reach them. */
  readonly trackingUri: string;
  readonly hpoUri: string;
  /** The user's -e environment (already normalized). */
  readonly env: Readonly<Record<string, string>>;
  /** Until when (epoch ms) the replicas wait for each other at their first rendezvous. @default - one join's timeout */
  readonly rendezvousDeadline?: number;
}

/**
 * The environment of worker (group, replica). The replicas of a group find each other through
 * the HPO service's rendezvous under the key `<DOJO_JOB_ID>/<DOJO_WORKER_GROUP>/<iteration>`,
 * which is why every replica of a group gets the same job id and group.
 */
export function workerEnvironment(s: RunJobSpec, group: number): KeyValuePair[] {
  const env: Record<string, string> = {
    ...s.env,
    AWS_REGION: s.region,
    AWS_DEFAULT_REGION: s.region,
    DOJO_TRACKING_URI: s.trackingUri,
    DOJO_HPO_URI: s.hpoUri,
    DOJO_STUDY: s.studyId,
    DOJO_REPLICAS: String(s.replicas),
    DOJO_JOB_ID: s.jobId,
    DOJO_WORKER_GROUP: String(group),
    DOJO_METRIC: s.metric,
    ...(s.rendezvousDeadline !== undefined ? { DOJO_RENDEZVOUS_DEADLINE: String(s.rendezvousDeadline) } : {}),
  };
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] }));
}

/** Starts parallel × replicas tasks (one RunTask each: the command differs per replica). */
export async function runJobTasks(ecs: ECSClient, s: RunJobSpec, onStarted: (t: JobTask) => void): Promise<JobTask[]> {
  const out: JobTask[] = [];
  for (let g = 0; g < s.parallel; g++) {
    const environment = workerEnvironment(s, g);
    for (let r = 0; r < s.replicas; r++) {
      const res = await ecs.send(
        new RunTaskCommand({
          cluster: s.cluster,
          taskDefinition: s.taskDefinition,
          count: 1,
          capacityProviderStrategy: [{ capacityProvider: s.capacityProvider, weight: 1, base: 0 }],
          startedBy: s.jobId,
          group: `${s.jobId}-g${g}`,
          overrides: {
            containerOverrides: [
              { name: s.container, command: ['worker', 'run', '--job', s.jobId, '--group', String(g), '--replica', String(r)], environment },
            ],
          },
          tags: [...jobTags(s.dojoId, s.jobId), { key: 'dojo:group', value: String(g) }],
          enableECSManagedTags: true,
        }),
      );
      const arn = res.tasks?.[0]?.taskArn;
      if (!arn) {
        const f = res.failures?.[0];
        throw new DojoError(
          'UNAVAILABLE',
          `RunTask for ${s.jobId} g${g}/r${r} failed: ${f?.reason ?? 'no task'}${f?.detail ? ` (${f.detail})` : ''}; ${out.length} task(s) started before it (stop them with \`dojo job stop ${s.jobId}\`)`,
        );
      }
      const t = { arn, group: g, replica: r };
      out.push(t);
      onStarted(t);
    }
  }
  return out;
}

/** The id of a task from its ARN (the last path segment). */
export function taskId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
