import { BatchGetImageCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { dockerCommand, dockerPreflight, probeEngine, type EngineProbe } from '../../../lib/providers/aws/docker';

const ecr = mockClient(ECRClient);
const sts = mockClient(STSClient);
const REPO = 'cdk-hnb659fds-container-assets-111122223333-eu-west-1';
const TAGS = ['a'.repeat(64), 'b'.repeat(64)];

beforeEach(() => {
  ecr.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' });
});
afterAll(() => {
  ecr.restore();
  sts.restore();
});

function run(env: NodeJS.ProcessEnv, probe: EngineProbe) {
  const progress: string[] = [];
  const p = dockerPreflight({ ecr: new ECRClient({ region: 'eu-west-1' }), sts: new STSClient({ region: 'eu-west-1' }), region: 'eu-west-1', tags: TAGS, env, progress: (l) => progress.push(l), probe });
  return { p, progress };
}

describe('the Docker pre-flight of dojo activate', () => {
  it('without an engine and with an image to build: one line naming CDK_DOCKER (podman, finch) and that images are built once per change', async () => {
    ecr.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: TAGS[0] } }] });
    const probed: string[] = [];
    const { p } = run({}, async (cmd) => (probed.push(cmd), { ok: false, why: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' }));
    await expect(p).rejects.toThrow(
      `dojo activate builds the dojo's container images (the runtime and the MLflow server; 1 of 2 not in ${REPO} yet) with a local container engine, ` +
        'and `docker info` failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. ' +
        'Start Docker, or set CDK_DOCKER=podman or CDK_DOCKER=finch to build with another engine. ' +
        'The images are built once per change of their sources and reused from ECR afterwards.',
    );
    expect(probed).toEqual(['docker']);
    expect(ecr.commandCalls(BatchGetImageCommand)[0]!.args[0].input).toEqual({ repositoryName: REPO, imageIds: TAGS.map((imageTag) => ({ imageTag })) });
  });

  it('asks the engine CDK_DOCKER names', async () => {
    ecr.on(BatchGetImageCommand).rejects(new RepositoryNotFoundException({ message: 'no repo', $metadata: {} }));
    const probed: string[] = [];
    const { p, progress } = run({ CDK_DOCKER: 'podman' }, async (cmd) => (probed.push(cmd), { ok: true }));
    await p;
    expect(probed).toEqual(['podman']);
    expect(progress).toEqual([`building the dojo's container images (the runtime and the MLflow server; 2 of 2 not in ${REPO} yet) with podman: once per change of their sources`]);
    expect(dockerCommand({ CDK_DOCKER: ' finch ' })).toBe('finch');
    expect(dockerCommand({ CDK_DOCKER: '' })).toBe('docker');
  });

  it('needs no engine when both images are in ECR already', async () => {
    ecr.on(BatchGetImageCommand).resolves({ images: TAGS.map((imageTag) => ({ imageId: { imageTag } })) });
    const { p, progress } = run({}, async () => {
      throw new Error('must not be asked');
    });
    await p;
    expect(progress).toEqual([`the container images are in ${REPO} already: nothing to build`]);
  });

  it('the real probe: a missing command and a failing one are "not ok" with the reason', async () => {
    expect(await probeEngine('/nonexistent/docker', { PATH: '' })).toEqual({ ok: false, why: '/nonexistent/docker: command not found' });
    const r = await probeEngine('false', process.env);
    expect(r.ok).toBe(false);
    expect(await probeEngine('true', process.env)).toEqual({ ok: true });
  });
});
