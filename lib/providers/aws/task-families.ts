// The task definitions a dojo registered for its jobs (`dojo rm` deregisters them). Families are
// found by name prefix, and a prefix is not an owner: `dojo-demo-cmd-` (dojo `demo`'s command jobs)
// is also the start of every family of a dojo named `demo-cmd-x`. So a family counts as the dojo's
// only when its task definitions carry the dojo's tag (`register` tags every one).
import { ListTagsForResourceCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { DOJO_TAG_KEY, commandFamilyPrefix } from '../../infra/parameters';
import type { AwsClients } from './clients';
import { jobTaskFamily } from './names';
import { paged } from './scan';

/** The family of a task definition ARN (`…:task-definition/<family>:<revision>`). */
export function familyOfArn(arn: string): string {
  return (arn.split('/').pop() ?? '').replace(/:\d+$/, '');
}

/** ACTIVE task definitions of exactly `family` (ListTaskDefinitions' familyPrefix is matched as a prefix by some implementations). */
async function activeOf(c: AwsClients, family: string): Promise<string[]> {
  const arns = await paged(async (nextToken) => {
    const r = await c.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', nextToken }));
    return { items: r.taskDefinitionArns ?? [], next: r.nextToken };
  });
  return arns.filter((a) => familyOfArn(a) === family);
}

/** Whether the task definition carries dojo `dojoId`'s tag. */
async function taggedFor(c: AwsClients, arn: string, dojoId: string): Promise<boolean> {
  const r = await c.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  return (r.tags ?? []).some((t) => t.key === DOJO_TAG_KEY && t.value === dojoId);
}

/**
 * The ACTIVE task definitions of dojo `dojoId`'s jobs: the `--image` jobs' family of earlier
 * versions (`dojo-<id>-jobs`) and every command job's family (`dojo-<id>-cmd-<job>`) whose task
 * definitions carry the dojo's tag; another dojo's families under the same prefix are left alone.
 */
export async function dojoJobTaskDefinitions(c: AwsClients, dojoId: string): Promise<string[]> {
  const candidates = await paged(async (nextToken) => {
    const r = await c.ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: commandFamilyPrefix(dojoId), status: 'ACTIVE', nextToken }));
    return { items: r.families ?? [], next: r.nextToken };
  });
  const out = await activeOf(c, jobTaskFamily(dojoId));
  for (const family of candidates) {
    const arns = await activeOf(c, family);
    const latest = arns.at(-1);
    if (latest && (await taggedFor(c, latest, dojoId))) out.push(...arns);
  }
  return out;
}
