// The IAM policy README gives the CLI user: checked as JSON, statement by statement.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandTaskFamily, dojoParameterName, trackingSecretParameterName } from '../../../lib/infra/parameters';
import { PORT_FORWARDING_DOCUMENT } from '../../../lib/providers/aws/session';
import { allowingStatements, type IamRequest, type RenderedStatement } from '../../infra/iam-eval';

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, unknown>;
}

function policy(): Statement[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### IAM permissions of the CLI user'));
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!json) throw new Error('README.md: no ```json block under "### IAM permissions of the CLI user"');
  return (JSON.parse(json) as { Statement: Statement[] }).Statement;
}

const list = (x: string | string[]) => (Array.isArray(x) ? x : [x]);

describe('README: IAM permissions of the CLI user', () => {
  it('allows ssm:StartSession on the AWS-owned port-forwarding document without a tag condition (it has no tags)', () => {
    const onDocument = policy().filter((s) => list(s.Action).includes('ssm:StartSession') && list(s.Resource).some((r) => r.endsWith(`:document/${PORT_FORWARDING_DOCUMENT}`)));
    expect(onDocument).toHaveLength(1);
    expect(onDocument[0]!.Condition).toBeUndefined();
    expect(JSON.stringify(onDocument[0])).not.toContain('ssm:resourceTag');
  });

  it('still limits sessions to instances tagged dojo:id', () => {
    const onInstances = policy().filter((s) => list(s.Action).includes('ssm:StartSession') && list(s.Resource).some((r) => r.includes(':instance/')));
    expect(onInstances).toHaveLength(1);
    expect(onInstances[0]!.Condition).toEqual({ StringLike: { 'ssm:resourceTag/dojo:id': '*' } });
    expect(list(onInstances[0]!.Resource)).toEqual(['arn:aws:ec2:*:*:instance/*']);
  });

  it('grants what job start and the scan newly call', () => {
    const actions = new Set(policy().flatMap((s) => list(s.Action)));
    for (const a of ['ecs:ListContainerInstances', 'ecs:DescribeContainerInstances', 'ecs:DescribeClusters', 'ecs:DescribeCapacityProviders', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'autoscaling:UpdateAutoScalingGroup', 'ecr:BatchGetImage']) {
      expect(actions.has(a), a).toBe(true);
    }
  });

  // The README's statements in the evaluator's form (its wildcards and conditions are plain strings).
  function rendered(): RenderedStatement[] {
    return policy().map((st) => ({
      Effect: st.Effect as 'Allow' | 'Deny',
      Action: list(st.Action),
      Resource: list(st.Resource),
      ...(st.Condition
        ? { Condition: Object.fromEntries(Object.entries(st.Condition).map(([op, kv]) => [op, Object.fromEntries(Object.entries(kv as Record<string, string | string[]>).map(([k, v]) => [k, list(v)]))])) }
        : {}),
    }));
  }
  const allowed = (req: IamRequest) => allowingStatements(rendered(), req).length > 0;
  const A = 'arn:aws:ecs:eu-west-1:111122223333';

  it('grants what command jobs call: their task definitions registered with tags, drivers run, families deregistered and deleted', () => {
    const td = `${A}:task-definition/${commandTaskFamily('demo', 'j-1a2b')}:1`;
    for (const action of ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition', 'ecs:DeleteTaskDefinitions', 'ecs:ListTaskDefinitions', 'ecs:RunTask']) {
      expect(allowed({ action, resource: td }), action).toBe(true);
    }
    expect(allowed({ action: 'ecs:TagResource', resource: td, context: { 'ecs:CreateAction': 'RegisterTaskDefinition' } })).toBe(true);
    expect(allowed({ action: 'ecs:StopTask', resource: `${A}:task/dojo-demo-Cluster/abc` })).toBe(true);
  });

  it('passes the roles the stack names after itself (worker, driver, command task and execution roles) to ECS tasks only', () => {
    const role = (logical: string) => `arn:aws:iam::111122223333:role/dojo-demo-${logical}-AbC123`;
    for (const r of ['CommandsTaskRole6878E4FC', 'CommandsExecutionRoleDF85526B', 'CommandsDriverTaskDefinitionTaskRoleBFB29A09']) {
      expect(allowed({ action: 'iam:PassRole', resource: role(r), context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }), r).toBe(true);
      expect(allowed({ action: 'iam:PassRole', resource: role(r), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }), r).toBe(false);
    }
    expect(allowed({ action: 'iam:PassRole', resource: 'arn:aws:iam::111122223333:role/Admin', context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } })).toBe(false);
  });

  it('lets init --tracking-uri write, tag and read back its SecureStrings, and rm delete them', () => {
    const secret = `arn:aws:ssm:eu-west-1:111122223333:parameter${trackingSecretParameterName('demo', 'MLFLOW_TRACKING_TOKEN')}`;
    for (const action of ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:GetParameter', 'ssm:DeleteParameter']) expect(allowed({ action, resource: secret }), action).toBe(true);
    expect(allowed({ action: 'ssm:GetParameter', resource: `arn:aws:ssm:eu-west-1:111122223333:parameter${dojoParameterName('demo', 'commandFamilyPrefix')}` })).toBe(true);
    expect(allowed({ action: 'ssm:PutParameter', resource: 'arn:aws:ssm:eu-west-1:111122223333:parameter/other/x' })).toBe(false);
  });
});
