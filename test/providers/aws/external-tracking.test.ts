// The AWS half of `dojo init --tracking-uri`: MLflow's auth variables stored as SecureStrings (never
// in the dojo's config or a RunTask), the stack told through its context, activate waiting for the
// HPO service only, workers pointed at the server, inspect naming it, rm deleting the secrets.
import { join } from 'node:path';
import { DescribeServicesCommand, RunTaskCommand, type Service } from '@aws-sdk/client-ecs';
import { AddTagsToResourceCommand, DeleteParametersCommand, GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHpoService, type HpoServiceHandle } from '../../../lib/hpo/service';
import { deleteTrackingSecrets } from '../../../lib/providers/aws/tracking-secrets';
import type { HpoSettings } from '../../../lib/providers/provider';
import { dojoDir, writeJsonAtomic } from '../../../lib/providers/state';
import { DOJO_ID, REGION, RecordingDeployer, awsMocks, params, provider, tempHome } from './harness';

const URI = 'https://mlflow.example.com';
const TOKEN = 'tok-3f9a-secret';
const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
beforeEach(() => {
  mocks.reset();
  t = tempHome();
});
afterEach(() => t.cleanup());
afterAll(() => mocks.restore());

const svc = (name: string): Service => ({ serviceName: name, runningCount: 1, desiredCount: 1, deployments: [{ rolloutState: 'COMPLETED' }] });

// The harness's dojo, made one on an existing server.
function external(): void {
  writeJsonAtomic(join(dojoDir(t.home, DOJO_ID), 'config.json'), { ...t.cfg, trackingUri: URI, trackingSecrets: ['MLFLOW_TRACKING_TOKEN'] });
  mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ trackingService: 'none' }) });
}

describe('init --provider aws --tracking-uri', () => {
  it('stores the MLflow auth variables that are set as tagged SecureStrings and records only their names', async () => {
    const env = { PATH: '', MLFLOW_TRACKING_TOKEN: TOKEN, MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_USERNAME: '' };
    const cfg = await provider(t.home, new RecordingDeployer(), { env }).init({ region: REGION, trackingUri: URI });
    expect(cfg).toMatchObject({ trackingUri: URI, trackingSecrets: ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_INSECURE_TLS'] });
    const puts = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Name, p.Type, p.Value === TOKEN])).toEqual([
      [`/dojo-cli/${cfg.id}/config`, 'String', false],
      [`/dojo-cli/${cfg.id}/tracking/MLFLOW_TRACKING_TOKEN`, 'SecureString', true],
      [`/dojo-cli/${cfg.id}/tracking/MLFLOW_TRACKING_INSECURE_TLS`, 'SecureString', false],
    ]);
    expect(puts[2]!.Value).toBe('true');
    expect(puts[0]!.Value).not.toContain(TOKEN);
    expect(mocks.ssm.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input)).toEqual(
      ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_INSECURE_TLS'].map((n) => ({ ResourceType: 'Parameter', ResourceId: `/dojo-cli/${cfg.id}/tracking/${n}`, Tags: [{ Key: 'dojo:id', Value: cfg.id }] })),
    );
  });

  it('refuses a URI with credentials, naming the option, before anything is written', async () => {
    const p = provider(t.home, new RecordingDeployer());
    await expect(p.init({ region: REGION, trackingUri: 'https://ann:pw@mlflow.example.com' })).rejects.toThrow(/^trackingUri: must be an http:\/\/ or https:\/\/ URL without credentials/);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });
});

describe('a dojo on an existing server', () => {
  it('activate deploys with the URI and secret names as context and waits for the HPO service only', async () => {
    writeJsonAtomic(join(dojoDir(t.home, DOJO_ID), 'config.json'), { ...t.cfg, trackingUri: URI, trackingSecrets: ['MLFLOW_TRACKING_TOKEN'] });
    const d = new RecordingDeployer();
    let deployed = false;
    d.onDeploy = () => void (deployed = true);
    mocks.ssm.on(GetParametersByPathCommand).callsFake(() => ({ Parameters: deployed ? params({ trackingService: 'none' }) : [] }));
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('hpo-svc')] });
    await provider(t.home, d).activate(DOJO_ID);
    expect(d.calls[0]!.target.context).toMatchObject({ trackingUri: URI, trackingSecrets: 'MLFLOW_TRACKING_TOKEN' });
    const asked = mocks.ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services);
    expect(asked.length).toBeGreaterThan(0);
    for (const services of asked) expect(services).toEqual(['hpo-svc']);
  });

  it('inspect shows the server the dojo uses', async () => {
    external();
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [svc('hpo-svc')] });
    const info = await provider(t.home, new RecordingDeployer()).inspect(DOJO_ID);
    expect(info).toMatchObject({ trackingUri: URI, trackingServer: 'external' });
    expect(info.extra?.DOJO_UI).toBe(URI);
    expect(info.extra?.DOJO_SERVICE_TRACKING).toBeUndefined();
  });

  it('rm deletes every tracking secret the dojo may hold', async () => {
    await deleteTrackingSecrets(mocks.ssm as never, { ...t.cfg, trackingUri: URI });
    expect(mocks.ssm.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input)).toEqual([
      { Names: ['TOKEN', 'USERNAME', 'PASSWORD', 'INSECURE_TLS'].map((n) => `/dojo-cli/${DOJO_ID}/tracking/MLFLOW_TRACKING_${n}`) },
    ]);
  });
});

describe('job start on a dojo on an existing server', () => {
  let hpo: HpoServiceHandle;
  beforeEach(async () => {
    hpo = await startHpoService({ dbFile: join(t.home, 'hpo.db'), log: () => undefined });
  });
  afterEach(async () => hpo.close());

  it('points the workers at the server and puts no credential in the RunTask', async () => {
    external();
    let n = 0;
    mocks.ecs.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:aws:ecs:eu-west-1:1:task/dojo-cluster-X/t${n++}` }] }));
    const prov = provider(t.home, new RecordingDeployer(), { env: { PATH: '', MLFLOW_TRACKING_TOKEN: TOKEN }, openService: async () => ({ uri: hpo.url, close: async () => undefined }) });
    const settings: HpoSettings = {
      space: { lr: { type: 'float', low: 0.001, high: 0.1, log: true } },
      spaceFile: 'space.json',
      numRuns: 1,
      parallel: 1,
      sampler: 'random',
      pruner: 'none',
      seed: 7,
      metric: 'val_rmse',
      direction: 'minimize',
    };
    const job = await prov.createJob(DOJO_ID, {});
    await prov.enableHpo(job.id, settings);
    const info = await prov.startJob(job.id, { replicas: 1, env: { DOJO_TRAIN_GLOB: 's3://b/train/*.csv', DOJO_VAL_GLOB: 's3://b/val/*.csv' } });
    expect(info.trackingUri).toBe(URI);
    const calls = mocks.ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(1);
    const env = calls[0]!.overrides?.containerOverrides?.[0]?.environment ?? [];
    expect(env.find((e) => e.name === 'DOJO_TRACKING_URI')?.value).toBe(URI);
    expect(JSON.stringify(calls[0])).not.toContain(TOKEN);
    expect(env.filter((e) => e.name!.startsWith('MLFLOW_'))).toEqual([]);
  });
});
