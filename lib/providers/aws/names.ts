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

/** The task definition family of jobs created with `--image` (deregistered by `dojo rm`). */
export function jobTaskFamily(dojoId: string): string {
  return `dojo-${dojoId}-jobs`;
}
