import { App, CfnRule, Fn, Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { dojoConfigFromContext, type DojoInfraConfig } from './config';
import { DojoStack } from './dojo-stack';
import { DOJO_TAG_KEY, dojoStackName } from './parameters';

/** Options of addDojoStack. */
export interface AddDojoStackOptions {
  /**
   * The config.
   * @default - read and validated from the app's CDK context
   */
  readonly config?: DojoInfraConfig;
  /**
   * Root of the repository.
   * @default - found from the infra module's location
   */
  readonly sourceRoot?: string;
}

/**
 * Adds the dojo stack (`dojo-<dojoId>`) to an app, tags every taggable resource `dojo:id`, and
 * runs the cdk-nag AwsSolutions pack on every synthesis. Environment-agnostic: synthesis needs
 * no credentials and makes no lookups.
 */
export function addDojoStack(app: App, options: AddDojoStackOptions = {}): DojoStack {
  const config = options.config ?? dojoConfigFromContext((key) => app.node.tryGetContext(key));
  const stack = new DojoStack(app, dojoStackName(config.dojoId), { config, sourceRoot: options.sourceRoot });
  Tags.of(stack).add(DOJO_TAG_KEY, config.dojoId);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

/** The name of the stack an app without `-c dojoId` holds. */
export const NO_DOJO_STACK = 'dojo-no-dojo-id';

/**
 * What the app holds without `-c dojoId`: one stack with no resources, because the CDK CLI refuses an
 * app without stacks even for account-level commands (`cdk bootstrap aws://ACCOUNT/REGION`). Its
 * only content is a rule that always fails, so deploying it by mistake stops at once, saying why.
 */
export function addNoDojoStack(app: App): Stack {
  const stack = new Stack(app, NO_DOJO_STACK, { description: 'Not a dojo: synthesized when -c dojoId=<id> is missing; deploying it fails on purpose' });
  new CfnRule(stack, 'NeedsDojoId', {
    assertions: [{ assert: Fn.conditionEquals('dojoId', 'missing'), assertDescription: 'no dojo here: deploy with -c dojoId=<id> (1-20 lowercase letters, digits, dashes)' }],
  });
  return stack;
}
