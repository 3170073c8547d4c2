import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DojoError } from '../../errors';
import { dojoParameterName, type DojoParameterKey } from '../parameters';

/** Props of DojoParameters. */
export interface DojoParametersProps {
  /** The dojo id: parameters go under `/dojo/<dojoId>/`. */
  readonly dojoId: string;
  /** The value of every parameter (tokens allowed). */
  readonly values: Readonly<Record<DojoParameterKey, string>>;
}

/**
 * The SSM parameters that describe a dojo, under `/dojo/<dojoId>/` (names in ../parameters).
 * Their names are the contract with the CLI, so they are the one set of fixed physical names.
 */
export class DojoParameters extends Construct {
  /** The parameters by key. */
  public readonly parameters: Readonly<Record<DojoParameterKey, ssm.IStringParameter>>;

  constructor(scope: Construct, id: string, props: DojoParametersProps) {
    super(scope, id);
    const out: Partial<Record<DojoParameterKey, ssm.IStringParameter>> = {};
    for (const key of Object.keys(props.values) as DojoParameterKey[]) {
      const value = props.values[key];
      if (value === '') throw new DojoError('USAGE', `DojoParameters values.${key}: must not be empty`);
      out[key] = new ssm.StringParameter(this, key, {
        parameterName: dojoParameterName(props.dojoId, key),
        stringValue: value,
        description: `dojo ${props.dojoId}: ${key}`,
        tier: ssm.ParameterTier.STANDARD,
      });
    }
    this.parameters = out as Record<DojoParameterKey, ssm.IStringParameter>;
  }
}
