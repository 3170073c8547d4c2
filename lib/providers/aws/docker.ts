// The Docker pre-flight of `dojo activate`: the CDK builds the dojo's two container images (the
// runtime and the MLflow server) with a local container engine and pushes them to the bootstrap
// ECR repository. Without an engine toolkit-lib fails late, deep inside its asset publisher; this
// checks first, and only when an image is not in ECR yet (they are built once per change).
import { spawn } from 'node:child_process';
import { BatchGetImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { DojoError } from '../../errors';
import type { ProgressFn } from '../provider';
import { isAwsError } from './errors';
import { cdkAssetRepository } from './names';

/** The engine command the CDK builds with: $CDK_DOCKER (e.g. podman, finch), else docker. */
export function dockerCommand(env: NodeJS.ProcessEnv): string {
  return env.CDK_DOCKER?.trim() || 'docker';
}

/** Whether a container engine answers, and why not. */
export type EngineAnswer = { readonly ok: true } | { readonly ok: false; readonly why: string };

/** Asks an engine whether it runs. */
export type EngineProbe = (command: string, env: NodeJS.ProcessEnv) => Promise<EngineAnswer>;

/** `<command> info` (docker, podman and finch all have it), bounded to 30 s. */
export const probeEngine: EngineProbe = (command, env) =>
  new Promise((resolve) => {
    let err = '';
    let settled = false;
    const done = (a: EngineAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const child = spawn(command, ['info'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, why: 'no answer in 30 s' });
    }, 30_000);
    child.stderr?.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-500)));
    child.on('error', (e) => done({ ok: false, why: (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${command}: command not found` : e.message }));
    child.on('close', (code) => done(code === 0 ? { ok: true } : { ok: false, why: err.trim().split('\n').pop() || `exit code ${code}` }));
  });

/** The tags among `tags` that the repository does not hold. */
export async function missingImages(ecr: ECRClient, repositoryName: string, tags: readonly string[]): Promise<string[]> {
  try {
    const r = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: tags.map((imageTag) => ({ imageTag })) }));
    const found = new Set((r.images ?? []).map((i) => i.imageId?.imageTag));
    return tags.filter((t) => !found.has(t));
  } catch (e) {
    if (isAwsError(e, 'RepositoryNotFoundException')) return [...tags];
    throw e;
  }
}

/** What dockerPreflight needs. */
export interface DockerPreflight {
  readonly ecr: ECRClient;
  readonly sts: STSClient;
  readonly region: string;
  /** The image tags of the synthesized assembly. */
  readonly tags: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly progress: ProgressFn;
  /** @default probeEngine */
  readonly probe?: EngineProbe;
}

/**
 * Passes when every image is in the bootstrap ECR repository already, or when a container engine
 * answers; otherwise one UNAVAILABLE error saying what to do.
 */
export async function dockerPreflight(o: DockerPreflight): Promise<void> {
  if (o.tags.length === 0) return;
  const account = (await o.sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  const repo = cdkAssetRepository(account, o.region);
  const missing = await missingImages(o.ecr, repo, o.tags);
  if (missing.length === 0) {
    o.progress(`the container images are in ${repo} already: nothing to build`);
    return;
  }
  const command = dockerCommand(o.env);
  const answer = await (o.probe ?? probeEngine)(command, o.env);
  const what = `the dojo's container images (the runtime and the MLflow server; ${missing.length} of ${o.tags.length} not in ${repo} yet)`;
  if (!answer.ok) {
    throw new DojoError(
      'UNAVAILABLE',
      `dojo activate builds ${what} with a local container engine, and \`${command} info\` failed: ${answer.why}. ` +
        'Start Docker, or set CDK_DOCKER=podman or CDK_DOCKER=finch to build with another engine. ' +
        'The images are built once per change of their sources and reused from ECR afterwards.',
    );
  }
  o.progress(`building ${what} with ${command}: once per change of their sources`);
}
