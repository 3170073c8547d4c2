import { App, Tags, Validations } from 'aws-cdk-lib';
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
