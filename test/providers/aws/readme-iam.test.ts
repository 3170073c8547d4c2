// The IAM policy README gives the CLI user: checked as JSON, statement by statement.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PORT_FORWARDING_DOCUMENT } from '../../../lib/providers/aws/session';

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
});
