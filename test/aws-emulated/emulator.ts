// An emulated AWS account for the suite: moto's server (with the dojo's test-only plugin) on
// 127.0.0.1 at a port it picks, fake credentials, the CDK bootstrap stack deployed into it by
// toolkit-lib, and SDK clients that talk to it. Nothing in lib/ knows it is not AWS.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { DescribeRepositoriesCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import type { IIoHost, IoMessage, IoRequest } from '@aws-cdk/toolkit-lib';
import { createAwsClients, type AwsClients } from '../../lib/providers/aws/clients';

/** moto's default account. */
export const ACCOUNT = '123456789012';
/** The region every dojo of the suite lives in. */
export const REGION = 'us-east-1';

/** A running emulated account. */
export interface EmulatedAws {
  /** `http://localhost:PORT`: moto parses template URLs with localhost, not 127.0.0.1. */
  readonly endpoint: string;
  /** What a process needs to talk to it (merge into a child's environment). */
  readonly env: Readonly<Record<string, string>>;
  /** SDK clients of the region, for the suite's own assertions. */
  readonly clients: AwsClients;
  /** Deploys the CDK bootstrap stack (CDKToolkit), as `npx cdk bootstrap` would. */
  bootstrap(): Promise<void>;
  /** The last lines moto wrote (its request log and tracebacks), for a failing step's message. */
  log(): string;
  /** Puts image manifests under these tags into the bootstrap ECR repository (no Docker here). */
  seedAssetImages(tags: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts moto with the plugin; resolves once it listens. Bounded: 60 s to start. */
export async function startEmulatedAws(): Promise<EmulatedAws> {
  const script = resolve('test/aws-emulated/moto/dojo_moto_server.py');
  const child: ChildProcess = spawn('python3', [script], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_ECS_SERVICE_RUNNING: '1', PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-20_000)));
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`moto did not start in 60 s: ${stderr}`)), 60_000);
    child.once('exit', (code) => fail(new Error(`moto exited with ${code} before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^PORT (\d+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    });
  });
  const endpoint = `http://localhost:${port}`;
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    // No real profile, no instance metadata lookups.
    AWS_EC2_METADATA_DISABLED: 'true',
    // `<bucket>.localhost` names resolve to loopback in the CLI processes (see the file).
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(resolve('test/aws-emulated/localhost-dns.mjs')).href}`.trim(),
  };
  // The SDK resolves AWS_ENDPOINT_URL at each request, so the whole test process (vitest runs each
  // file in its own) points at the emulator until stop().
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  // The suite's own S3 client addresses the emulator path-style.
  const clients = createAwsClients({ region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, s3Endpoint: endpoint });
  return {
    endpoint,
    env,
    clients,
    async bootstrap() {
      const lib = await import('@aws-cdk/toolkit-lib');
      const lines: string[] = [];
      const ioHost: IIoHost = {
        async notify(m: IoMessage<unknown>) {
          if (m.level === 'error' || m.level === 'warn') lines.push(m.message);
        },
        async requestResponse<T>(m: IoRequest<unknown, T>) {
          return m.defaultResponse;
        },
      };
      const toolkit = new lib.Toolkit({ ioHost, color: false, emojis: false });
      await toolkit.bootstrap(lib.BootstrapEnvironments.fromList([`aws://${ACCOUNT}/${REGION}`]), {});
      if (lines.some((l) => /fail/i.test(l))) throw new Error(`bootstrap: ${lines.join('\n')}`);
    },
    log: () => stderr,
    async seedAssetImages(tags) {
      const repos = await clients.ecr.send(new DescribeRepositoriesCommand({}));
      const repo = repos.repositories?.find((r) => r.repositoryName?.startsWith('cdk-'))?.repositoryName;
      if (!repo) throw new Error('no bootstrap ECR repository in moto: bootstrap() first');
      for (const tag of tags) {
        const manifest = {
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: `sha256:${tag}` },
          layers: [],
        };
        await clients.ecr.send(new PutImageCommand({ repositoryName: repo, imageTag: tag, imageManifest: JSON.stringify(manifest) }));
      }
    },
    async stop() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
