import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { handler as uiHandler } from '../../../lib/cli/commands/ui/index';
import { portForwardCommand, ssmPortForward } from '../../../lib/providers/aws/session';
import { DOJO_ID, awsMocks, params, tempHome } from './harness';

const mocks = awsMocks();
let t: ReturnType<typeof tempHome>;
let bin: string;
beforeEach(() => {
  mocks.reset();
  t = tempHome();
  bin = mkdtempSync(join(tmpdir(), 'dojo-bin-'));
  mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params() });
});
afterEach(() => {
  t.cleanup();
  rmSync(bin, { recursive: true, force: true });
});
afterAll(() => mocks.restore());

const EXPECTED = `aws ssm start-session --target i-0manager --document-name AWS-StartPortForwardingSession --parameters portNumber=5001,localPortNumber=5001 --region eu-west-1`;

/** Fake `aws` / `session-manager-plugin` executables (node scripts) in a temp PATH folder. */
function fakeTool(name: string, body: string): void {
  const f = join(bin, name);
  writeFileSync(f, `#!${process.execPath}\n${body}\n`);
  chmodSync(f, 0o755);
}

describe('dojo ui', () => {
  it('without the Session Manager plugin prints the exact aws ssm start-session command', async () => {
    fakeTool('aws', 'process.exit(0)');
    const io = memoryIo({ DOJO_HOME: t.home, PATH: bin });
    expect(await uiHandler([DOJO_ID], { print: false }, { io, debug: false })).toBe(0);
    expect(io.stdout).toEqual(['# the Session Manager plugin (`session-manager-plugin`) is not installed: run this where it is, then open http://localhost:5001', EXPECTED]);
  });

  it('with the AWS CLI and the plugin on PATH starts the session with exactly those arguments', async () => {
    const out = join(bin, 'args.json');
    fakeTool('aws', `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)))`);
    fakeTool('session-manager-plugin', 'process.exit(0)');
    const io = memoryIo({ DOJO_HOME: t.home, PATH: bin });
    expect(await uiHandler([DOJO_ID], { print: false, localPort: 15001 }, { io, debug: false })).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([
      'ssm', 'start-session', '--target', 'i-0manager', '--document-name', 'AWS-StartPortForwardingSession', '--parameters', 'portNumber=5001,localPortNumber=15001', '--region', 'eu-west-1',
    ]);
    expect(io.stderr[0]).toContain('http://localhost:15001');
  });

  it('refuses a deactivated dojo with what to do', async () => {
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: params({ status: 'deactivated' }) });
    const io = memoryIo({ DOJO_HOME: t.home, PATH: bin });
    await expect(uiHandler([DOJO_ID], { print: false }, { io, debug: false })).rejects.toThrow(`the manager of ${DOJO_ID} is not running; run \`dojo activate ${DOJO_ID}\` first`);
  });
});

describe('ssmPortForward (how job start/wait reach the HPO service)', () => {
  const target = { dojoId: DOJO_ID, region: 'eu-west-1', instanceId: 'i-0manager', port: 5002 };

  it('says which tool is missing and the command to run by hand', async () => {
    await expect(ssmPortForward({ PATH: bin })(target)).rejects.toThrow(
      `the services of dojo ${DOJO_ID} are reachable only through SSM port forwarding, which needs the AWS CLI v2 (\`aws\`); install it, or open a tunnel yourself (\`${portForwardCommand('i-0manager', 'eu-west-1', 5002, 5002)}\`) and set DOJO_AWS_HPO_URI=http://127.0.0.1:5002`,
    );
  });

  it('DOJO_AWS_HPO_URI (a tunnel the user opened) is used as is', async () => {
    const e = await ssmPortForward({ PATH: bin, DOJO_AWS_HPO_URI: 'http://127.0.0.1:7777/' })(target);
    expect(e.uri).toBe('http://127.0.0.1:7777');
  });

  it('starts the session on a free local port, waits until the service answers through it, and ends it on close', async () => {
    // A stand-in for `aws ssm start-session`: it listens on localPortNumber as the tunnel would.
    fakeTool(
      'aws',
      `const a = process.argv.slice(2); const p = /localPortNumber=(\\d+)/.exec(a[a.indexOf('--parameters') + 1])[1];
       require('http').createServer((q, r) => r.end(q.url === '/api/v1/studies' ? '[]' : 'x')).listen(Number(p), '127.0.0.1');`,
    );
    fakeTool('session-manager-plugin', 'process.exit(0)');
    const e = await ssmPortForward({ PATH: bin }, '/api/v1/studies', 20_000)(target);
    const r = await fetch(`${e.uri}/api/v1/studies`);
    expect(await r.json()).toEqual([]);
    await e.close();
    await expect(fetch(`${e.uri}/api/v1/studies`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  }, 30_000);
});
