// A dojo on an existing MLflow server (`dojo init --tracking-uri`, context trackingUri): no
// tracking service, image or port of its own; the HPO service and the workers reach that server,
// with MLflow's auth variables as ECS secrets from SSM SecureStrings, never as plain environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACKING_SECRET_NAMES, parseDojoConfig } from '../../lib/infra/config';
import { NO_SERVICE_VALUE } from '../../lib/infra/parameters';
import { assetImageTags } from '../../lib/providers/aws/deploy';
import { MLFLOW_AUTH_VARIABLES } from '../../lib/tracking/http-client';
import { resourcesOf, synthDojo, type SynthesizedDojo } from './synth-helper';

const URI = 'https://mlflow.example.com:8443/';

interface ContainerJson {
  readonly Command?: string[];
  readonly Environment?: { Name: string; Value: unknown }[];
  readonly Secrets?: { Name: string; ValueFrom: unknown }[];
}

function containers(d: SynthesizedDojo): ContainerJson[] {
  return Object.values(resourcesOf(d.template))
    .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
    .flatMap((r) => (r.Properties?.ContainerDefinitions as ContainerJson[] | undefined) ?? []);
}

// The container images the deploy would build, as `dojo activate` and `dojo rm` find them.
function containerImageAssets(d: SynthesizedDojo): number {
  return assetImageTags(d.app.synth().directory).length;
}

describe('trackingUri: an existing MLflow server', () => {
  let d: SynthesizedDojo;
  beforeAll(() => {
    d = synthDojo({ dojoId: 'ext', trackingUri: URI, trackingSecrets: 'MLFLOW_TRACKING_TOKEN,MLFLOW_TRACKING_INSECURE_TLS' });
  });
  afterAll(() => d?.cleanup());

  it('deploys no tracking service, no MLflow image and opens no tracking port', () => {
    expect(d.stack.tracking).toBeUndefined();
    d.template.resourceCountIs('AWS::ECS::Service', 1);
    // The HPO service, the workers and the command-job driver.
    d.template.resourceCountIs('AWS::ECS::TaskDefinition', 3);
    expect(containerImageAssets(d)).toBe(1);
    const ingress = Object.values(resourcesOf(d.template)).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress');
    expect(ingress.filter((r) => r.Properties?.FromPort === 5001)).toEqual([]);
    d.template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/dojo/ext/tracking/service', Value: NO_SERVICE_VALUE });
  });

  it('points the HPO service at the server', () => {
    const hpo = containers(d).find((c) => c.Command?.[0] === 'hpo');
    expect(hpo?.Command).toEqual(expect.arrayContaining(['--tracking', URI]));
  });

  it('gives the HPO service, the workers and the command-job driver the auth variables as secrets from the SecureStrings, never as environment', () => {
    const all = containers(d);
    expect(all).toHaveLength(3);
    for (const c of all) {
      expect((c.Secrets ?? []).map((s) => s.Name).sort()).toEqual(['MLFLOW_TRACKING_INSECURE_TLS', 'MLFLOW_TRACKING_TOKEN']);
      for (const s of c.Secrets ?? []) expect(JSON.stringify(s.ValueFrom)).toContain(`:parameter/dojo-cli/ext/tracking/${s.Name}`);
      expect((c.Environment ?? []).filter((e) => e.Name.startsWith('MLFLOW_'))).toEqual([]);
    }
    // ECS reads them with the execution roles, which may read exactly those parameters.
    const statements = Object.values(resourcesOf(d.template))
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] }).Statement)
      // The driver's read of /dojo/ext/* is asserted exactly in command-jobs.test.ts.
      .filter((s) => JSON.stringify(s.Action).includes('ssm:GetParameters') && s.Sid !== 'ReadDojoParameters');
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) expect(JSON.stringify(s.Resource)).toMatch(/parameter\/dojo-cli\/ext\/tracking\/MLFLOW_TRACKING_(TOKEN|INSECURE_TLS)/);
  });

  it('lets command tasks\' execution role read the same SecureStrings (the provider puts them on a command job\'s task definition)', () => {
    const role = d.logicalId(d.stack.commands.executionRole);
    const ssm = Object.values(resourcesOf(d.template))
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement)
      .filter((s) => JSON.stringify(s.Action).includes('ssm:'));
    const resources = ssm.map((s) => JSON.stringify(s.Resource)).join(' ');
    for (const name of ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_INSECURE_TLS']) expect(resources).toContain(`parameter/dojo-cli/ext/tracking/${name}`);
    expect(resources).not.toContain('MLFLOW_TRACKING_PASSWORD');
  });
});

describe('the dojo\'s own MLflow (no trackingUri)', () => {
  let d: SynthesizedDojo;
  beforeAll(() => {
    d = synthDojo({ dojoId: 'own' });
  });
  afterAll(() => d?.cleanup());

  it('deploys its tracking service, points the HPO service at it on the host, and passes no secrets', () => {
    expect(d.stack.tracking).toBeDefined();
    d.template.resourceCountIs('AWS::ECS::Service', 2);
    expect(containerImageAssets(d)).toBe(2);
    const hpo = containers(d).find((c) => c.Command?.[0] === 'hpo');
    expect(hpo?.Command).toEqual(expect.arrayContaining(['--tracking', 'http://127.0.0.1:5001']));
    for (const c of containers(d)) expect(c.Secrets).toBeUndefined();
  });
});

describe('config: trackingUri and trackingSecrets', () => {
  it('are MLflow\'s own auth variables, as the tracking client reads them', () => {
    expect([...TRACKING_SECRET_NAMES].sort()).toEqual([...MLFLOW_AUTH_VARIABLES].sort());
  });

  it('refuses a URI with credentials, a non-http URI, an unknown secret and secrets without a URI, naming the key', () => {
    expect(() => parseDojoConfig({ dojoId: 'x', trackingUri: 'https://ann:pw@mlflow.example.com' })).toThrow(/^context trackingUri: must be an http:\/\/ or https:\/\/ URL without credentials .*, got "https:\/\/ann:pw@mlflow.example.com"$/);
    expect(() => parseDojoConfig({ dojoId: 'x', trackingUri: 'file:///tmp/mlruns' })).toThrow(/context trackingUri/);
    expect(() => parseDojoConfig({ dojoId: 'x', trackingUri: URI, trackingSecrets: 'AWS_SECRET_ACCESS_KEY' })).toThrow(/^context trackingSecrets: must be a comma-separated list of MLFLOW_TRACKING_TOKEN/);
    expect(() => parseDojoConfig({ dojoId: 'x', trackingSecrets: 'MLFLOW_TRACKING_TOKEN' })).toThrow(/^context trackingSecrets: .*with a trackingUri, got "MLFLOW_TRACKING_TOKEN"$/);
    expect(parseDojoConfig({ dojoId: 'x', trackingUri: URI, trackingSecrets: ' MLFLOW_TRACKING_USERNAME , MLFLOW_TRACKING_PASSWORD' }).trackingSecrets).toEqual(['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD']);
  });
});
