// Shared set-up of the AWS provider tests: every SDK client mocked at the client boundary
// (aws-sdk-client-mock), a temp $DOJO_HOME with one AWS dojo, a recording StackDeployer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient, type Parameter } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { DOJO_PARAMETERS, dojoParameterName, type DojoParameterKey } from '../../../lib/infra/parameters';
import { AwsProvider, type AwsProviderOptions } from '../../../lib/providers/aws/provider';
import { createAwsClients } from '../../../lib/providers/aws/clients';
import type { DeployResult, DeployTarget, StackDeployer, SynthSummary } from '../../../lib/providers/aws/deploy';
import type { DojoConfig } from '../../../lib/providers/provider';
import { saveDojoConfig } from '../../../lib/providers/state';

/** The mocks of every client class (they stub the prototype, so every instance is mocked). */
export function awsMocks() {
  const m = {
    ssm: mockClient(SSMClient),
    ecs: mockClient(ECSClient),
    ec2: mockClient(EC2Client),
    asg: mockClient(AutoScalingClient),
    cfn: mockClient(CloudFormationClient),
    logs: mockClient(CloudWatchLogsClient),
    tagging: mockClient(ResourceGroupsTaggingAPIClient),
    s3: mockClient(S3Client),
    sts: mockClient(STSClient),
    ecr: mockClient(ECRClient),
  };
  type AnyMock = { reset(): void; restore(): void; onAnyCommand(): { resolves(v: object): unknown } };
  const all = Object.values(m) as unknown as AnyMock[];
  return {
    ...m,
    /** Clears every mock and answers `{}` to any command not configured by the test. */
    reset() {
      for (const x of all) {
        x.reset();
        x.onAnyCommand().resolves({});
      }
    },
    restore() {
      for (const x of all) x.restore();
    },
  };
}

/** The mocks type. */
export type AwsMocks = ReturnType<typeof awsMocks>;

/** The dojo every test uses. */
export const DOJO_ID = 'dojo-0123abcd';
/** Its region. */
export const REGION = 'eu-west-1';
/** Its stack. */
export const STACK = `dojo-${DOJO_ID}`;

/** The parameter values of the deployed dojo. */
export const PARAM_VALUES: Record<DojoParameterKey, string> = {
  config: JSON.stringify({ dojoId: DOJO_ID, managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false, private: false, keepData: false, dataVolumeGiB: 20 }),
  status: 'active',
  cluster: 'dojo-cluster-X',
  bucket: 'dojo-bucket-x',
  ports: JSON.stringify({ tracking: 5001, hpo: 5002, rendezvous: 5002, allreduceFrom: 29500, allreduceTo: 29599 }),
  managerAsg: 'mgr-asg',
  managerInstanceId: 'i-0manager',
  managerAddress: '10.0.0.10',
  managerVolume: 'vol-0data',
  managerCapacityProvider: 'mgr-cp',
  workerAsg: 'wrk-asg',
  workerCapacityProvider: 'wrk-cp',
  workerTaskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:1',
  workerContainer: 'worker',
  logGroup: 'dojo-dojo-0123abcd-Logs-abc',
  trackingService: 'tracking-svc',
  hpoService: 'hpo-svc',
  workerGpus: '0',
  commandDriverTaskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/driver:1',
  commandDriverContainer: 'driver',
  commandTaskRole: 'arn:aws:iam::111122223333:role/dojo-cmd-task',
  commandExecutionRole: 'arn:aws:iam::111122223333:role/dojo-cmd-exec',
  commandFamilyPrefix: `dojo-${DOJO_ID}-cmd-`,
};

/** SSM Parameter objects of the deployed dojo (or of another dojo id), with some values overridden. */
export function params(overrides: Partial<Record<DojoParameterKey, string>> = {}, dojoId: string = DOJO_ID): Parameter[] {
  const v = { ...PARAM_VALUES, ...overrides };
  return (Object.keys(DOJO_PARAMETERS) as DojoParameterKey[]).map((k) => ({ Name: dojoParameterName(dojoId, k), Value: v[k], Type: 'String' }));
}

/** A StackDeployer that records calls; deploy/destroy may run a hook (e.g. make the parameters appear). */
export class RecordingDeployer implements StackDeployer {
  readonly calls: { op: 'synth' | 'deploy' | 'destroy'; target: DeployTarget }[] = [];
  onDeploy: () => void = () => undefined;
  onDestroy: () => void = () => undefined;
  async synth(target: DeployTarget): Promise<SynthSummary> {
    this.calls.push({ op: 'synth', target });
    return { stackNames: [`dojo-${target.dojoId}`], template: {}, assetImageTags: ['a'.repeat(64)] };
  }
  async deploy(target: DeployTarget): Promise<DeployResult> {
    this.calls.push({ op: 'deploy', target });
    this.onDeploy();
    return { assetImageTags: ['a'.repeat(64), 'b'.repeat(64)] };
  }
  async destroy(target: DeployTarget): Promise<void> {
    this.calls.push({ op: 'destroy', target });
    this.onDestroy();
  }
}

/** A temp $DOJO_HOME holding the AWS dojo's config. */
export function tempHome(): { home: string; cfg: DojoConfig; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'dojo-aws-'));
  const cfg: DojoConfig = {
    id: DOJO_ID,
    provider: 'aws',
    createdAt: '2026-11-22T07:00:00.000Z',
    managerInstanceType: 't3.xlarge',
    workerInstanceType: 't3.xlarge',
    maxWorkers: 4,
    spot: false,
    region: REGION,
  };
  saveDojoConfig(home, cfg);
  return { home, cfg, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** An AwsProvider over the mocked clients with instant waits. */
export function provider(home: string, deployer: StackDeployer, extra: Partial<AwsProviderOptions> = {}): AwsProvider {
  return new AwsProvider({
    home,
    env: { PATH: '' },
    clients: (region) => createAwsClients({ region, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } }),
    deployer,
    wait: { pollMs: 0, timeoutMs: 60_000, sleep: async () => undefined },
    ...extra,
  });
}
