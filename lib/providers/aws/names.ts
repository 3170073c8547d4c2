// Names the AWS provider owns (the stack's own names live in lib/infra/parameters.ts).

/**
 * Where `dojo init --provider aws` records the dojo's settings in the account before anything is
 * deployed. Not under `/dojo/<id>/`: the stack creates every parameter there (including
 * `/dojo/<id>/config`) and CloudFormation fails on a parameter that already exists. The stack's
 * own `/dojo/<id>/config` is written from the same settings (passed as CDK context) on deploy.
 */
export function cliConfigParameterName(dojoId: string): string {
  return `/dojo-cli/${dojoId}/config`;
}

/** The tag `job start` puts on every task (with `dojo:id`), and the task's `startedBy`. */
export const JOB_TAG_KEY = 'dojo:job';

/** The CDK bootstrap qualifier of the default synthesizer (`cdk bootstrap` without --qualifier). */
export const CDK_QUALIFIER = 'hnb659fds';

/** The bootstrap ECR repository that holds the container assets of every CDK app of an environment. */
export function cdkAssetRepository(account: string, region: string): string {
  return `cdk-${CDK_QUALIFIER}-container-assets-${account}-${region}`;
}

/**
 * Prefixes of the log groups of a dojo: CDK-generated names start with the stack name, and the
 * Lambda functions of custom resources log to `/aws/lambda/<function name>` (created by Lambda,
 * not by CloudFormation, so they outlive the stack unless removed).
 */
export function dojoLogGroupPrefixes(stackName: string): string[] {
  return [`${stackName}-`, `/aws/lambda/${stackName}-`];
}

/**
 * Whether log group `name`, found under one of dojoLogGroupPrefixes(stackName), is the stack's own.
 * CloudFormation names what it creates `<stack>-<LogicalId>-<suffix>`, and a dojo's stack name is a
 * prefix of another dojo's (`dojo-demo` of `dojo-demo-x`, whose groups are `dojo-demo-x-…`): dojo ids
 * are lower case and the stack's logical ids start with a capital (a test checks the synthesized
 * template), so the character after `<stack>-` tells the two apart.
 */
export function isStackLogGroup(stackName: string, name: string): boolean {
  const prefix = dojoLogGroupPrefixes(stackName).find((p) => name.startsWith(p));
  return prefix !== undefined && /^[A-Z]/.test(name.slice(prefix.length));
}

/** The task definition family of jobs created with `--image` (deregistered by `dojo rm`). */
export function jobTaskFamily(dojoId: string): string {
  return `dojo-${dojoId}-jobs`;
}
