// Reaching the manager's services from the user's machine: nothing on the manager listens to the
// internet, so the CLI goes through an SSM port-forwarding session (AWS-StartPortForwardingSession),
// which needs the AWS CLI and the Session Manager plugin on PATH.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { DojoError } from '../../errors';

/** The Session Manager document that forwards one port of an instance. */
export const PORT_FORWARDING_DOCUMENT = 'AWS-StartPortForwardingSession';

/** The `aws` arguments of a port-forwarding session to instanceId:remotePort on localhost:localPort. */
export function portForwardArgs(instanceId: string, region: string, remotePort: number, localPort: number): string[] {
  return [
    'ssm', 'start-session',
    '--target', instanceId,
    '--document-name', PORT_FORWARDING_DOCUMENT,
    '--parameters', `portNumber=${remotePort},localPortNumber=${localPort}`,
    '--region', region,
  ];
}

/** The same session as one shell command line (for the user to copy). */
export function portForwardCommand(instanceId: string, region: string, remotePort: number, localPort: number): string {
  return ['aws', ...portForwardArgs(instanceId, region, remotePort, localPort)].join(' ');
}

/** True when an executable named cmd is in one of PATH's folders. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD').split(';') : [''];
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && exts.some((e) => existsSync(join(dir, cmd + e))));
}

/** The missing piece for a port-forwarding session, or undefined when both are installed. */
export function missingSessionTool(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!onPath('aws', env)) return 'the AWS CLI v2 (`aws`)';
  if (!onPath('session-manager-plugin', env)) return 'the Session Manager plugin (`session-manager-plugin`)';
  return undefined;
}

/** A reachable base URL of a manager service, and how to let go of it. */
export interface ServiceEndpoint {
  readonly uri: string;
  close(): Promise<void>;
}

/** Where a manager service is: the dojo, its region, the manager instance and the service port. */
export interface ServiceTarget {
  readonly dojoId: string;
  readonly region: string;
  readonly instanceId: string;
  readonly port: number;
}

/** Opens a way to a manager service (the HPO service for `job start`/`job wait`). */
export type OpenService = (t: ServiceTarget) => Promise<ServiceEndpoint>;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * Opens an SSM port-forwarding session to the service and waits until `probePath` answers.
 * DOJO_AWS_HPO_URI (a tunnel or VPN route the user opened) is used instead when set.
 */
export function ssmPortForward(env: NodeJS.ProcessEnv = process.env, probePath = '/api/v1/studies', timeoutMs = 45_000): OpenService {
  return async (t) => {
    if (env.DOJO_AWS_HPO_URI) return { uri: env.DOJO_AWS_HPO_URI.replace(/\/+$/, ''), close: async () => undefined };
    const missing = missingSessionTool(env);
    if (missing) {
      throw new DojoError(
        'UNAVAILABLE',
        `the services of dojo ${t.dojoId} are reachable only through SSM port forwarding, which needs ${missing}; install it, or open a tunnel yourself (\`${portForwardCommand(t.instanceId, t.region, t.port, t.port)}\`) and set DOJO_AWS_HPO_URI=http://127.0.0.1:${t.port}`,
      );
    }
    const local = await freePort();
    // Its own process group: `aws` starts session-manager-plugin as a child, and both must end on close.
    const child: ChildProcess = spawn('aws', portForwardArgs(t.instanceId, t.region, t.port, local), { stdio: ['ignore', 'ignore', 'pipe'], env, detached: true });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-2000)));
    const close = async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    };
    const uri = `http://127.0.0.1:${local}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await answers(uri + probePath)) return { uri, close };
      await new Promise((r) => setTimeout(r, 500));
    }
    await close();
    const why = stderr.trim().split('\n').pop() ?? '';
    throw new DojoError('UNAVAILABLE', `could not reach port ${t.port} of the manager of ${t.dojoId} through SSM (${why || 'no answer'}); check \`dojo inspect ${t.dojoId}\``);
  };
}
