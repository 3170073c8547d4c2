import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { addDojoStack } from '../../lib/infra/app';
import { dojoAcknowledgements } from '../../lib/infra/nag';

/** Unacknowledged AwsSolutions findings of an app, as `rule @ construct path` lines. */
function findings(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)).sort();
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['default', { dojoId: 'demo' }],
    ['private', { dojoId: 'priv', private: 'true' }],
    ['spot + ui CIDR + keepData', { dojoId: 'big', spot: 'true', uiAllowCidr: '198.51.100.0/24', keepData: 'true' }],
    ['no workers', { dojoId: 'none', maxWorkers: '0' }],
    ['GPU workers on spot', { dojoId: 'gpu', workerInstanceType: 'g4dn.xlarge', spot: 'true' }],
    ['existing MLflow server with secrets', { dojoId: 'ext', trackingUri: 'https://mlflow.example.com', trackingSecrets: 'MLFLOW_TRACKING_TOKEN' }],
  ])('reports no unacknowledged finding (%s)', (_name, context) => {
    const app = new App({ context });
    addDojoStack(app);
    expect(findings(app)).toEqual([]);
  });

  it('does report a finding nobody acknowledged (the check can fail)', () => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new s3.Bucket(stack, 'Plain');
    expect(findings(app)).toEqual(expect.arrayContaining(['AwsSolutions-S1 @ Probe/Plain/Resource', 'AwsSolutions-S10 @ Probe/Plain/Resource']));
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-S1', reason: 'probe' });
    expect(findings(app)).not.toContain('AwsSolutions-S1 @ Probe/Plain/Resource');
  });

  it('gives every acknowledgement a specific reason and a scope', () => {
    const app = new App({ context: { dojoId: 'demo', spot: 'true' } });
    const stack = addDojoStack(app);
    const acks = dojoAcknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(a.reason.length).toBeGreaterThan(60);
      expect(a.scopes(stack).length).toBeGreaterThan(0);
    }
  });

  it('is registered on the app, so `cdk synth` runs it', () => {
    const app = new App({ context: { dojoId: 'demo' } });
    addDojoStack(app);
    const plugins = (app as unknown as { _validationPlugins: { name: string }[] })._validationPlugins;
    expect(plugins.map((p) => p.name)).toContain('AwsSolutions');
  });
});
