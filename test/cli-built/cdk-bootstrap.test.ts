// `npx cdk bootstrap aws://ACCOUNT/REGION` inside the checkout (README, and the command the "not
// bootstrapped" error prints): cdk.json's app synthesizes without -c dojoId, so the CLI gets to
// bootstrap — here against moto's emulated account. An app without -c dojoId holds no dojo, only a
// stack whose rule refuses a deploy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMoto, type Moto } from './moto';

let moto: Moto;
const out = mkdtempSync(join(tmpdir(), 'dojo-cdk-out-'));
beforeAll(async () => {
  moto = await startMoto();
}, 120_000);
afterAll(async () => {
  await moto?.close();
  rmSync(out, { recursive: true, force: true });
});

function npx(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; text: string }> {
  return new Promise((done) => {
    const child = spawn('npx', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, text });
    });
  });
}

it('bootstraps an account from the checkout without -c dojoId', async () => {
  const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', CDK_DISABLE_VERSION_CHECK: '1' };
  const r = await npx(['cdk', 'bootstrap', 'aws://123456789012/us-east-1', '--output', out], env);
  expect(r.code, r.text.slice(-3000)).toBe(0);
  expect(r.text).toMatch(/Environment aws:\/\/123456789012\/us-east-1 bootstrapped/);
  expect(r.text).toMatch(/no -c dojoId=<id>: no dojo stack/);
  // What was synthesized is no dojo: no resources, and a rule that fails any deploy of it.
  const template = JSON.parse(readFileSync(join(out, 'dojo-no-dojo-id.template.json'), 'utf8')) as { Resources?: Record<string, unknown>; Rules: Record<string, { Assertions: { AssertDescription: string }[] }> };
  expect(Object.keys(template.Resources ?? {}).filter((k) => k !== 'CDKMetadata')).toEqual([]);
  expect(template.Rules.NeedsDojoId!.Assertions[0]!.AssertDescription).toMatch(/deploy with -c dojoId=<id>/);
}, 360_000);
