import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toDojoError } from '../../../lib/providers/aws/errors';
import { ToolkitStackDeployer, dojoContext, findSourceRoot, progressIoHost } from '../../../lib/providers/aws/deploy';
import type { DojoConfig } from '../../../lib/providers/provider';

const cfg: DojoConfig = {
  id: 'dojo-0a1b2c3d',
  provider: 'aws',
  createdAt: '2026-11-22T07:00:00.000Z',
  managerInstanceType: 't3.large',
  workerInstanceType: 'c5.xlarge',
  maxWorkers: 6,
  spot: true,
  region: 'eu-west-1',
};

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

describe('ToolkitStackDeployer.synth (toolkit-lib on the real CDK app, no credentials)', () => {
  it('synthesizes exactly the stack dojo-<id> from the dojo context', async () => {
    const deployer = new ToolkitStackDeployer({ sourceRoot: findSourceRoot([process.cwd()]) });
    const s = await deployer.synth({ dojoId: cfg.id, region: 'eu-west-1', context: dojoContext(cfg) });
    expect(s.stackNames).toEqual(['dojo-dojo-0a1b2c3d']);
    const resources = Object.values((s.template as { Resources: Record<string, CfnResource> }).Resources);
    const params = resources.filter((r) => r.Type === 'AWS::SSM::Parameter');
    const config = params.find((p) => p.Properties?.Name === '/dojo/dojo-0a1b2c3d/config');
    expect(config).toBeDefined();
    const value = JSON.parse(String(config?.Properties?.Value)) as Record<string, unknown>;
    // The context reached the app: every setting of `dojo init` is in the deployed config.
    expect(value).toMatchObject({ dojoId: 'dojo-0a1b2c3d', managerInstanceType: 't3.large', workerInstanceType: 'c5.xlarge', maxWorkers: 6, spot: true });
    const lt = resources.filter((r) => r.Type === 'AWS::EC2::LaunchTemplate').map((r) => JSON.stringify(r.Properties));
    expect(lt.some((t) => t.includes('c5.xlarge'))).toBe(true);
    // The container assets (runtime + MLflow images) are found for the ECR cleanup of `dojo rm`.
    expect(s.assetImageTags.length).toBe(2);
    for (const t of s.assetImageTags) expect(t).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  it('keepData reaches the app as context (bucket retained)', async () => {
    const deployer = new ToolkitStackDeployer({ sourceRoot: findSourceRoot([process.cwd()]) });
    const s = await deployer.synth({ dojoId: cfg.id, region: 'eu-west-1', context: dojoContext(cfg, { keepData: 'true' }) });
    const buckets = Object.values((s.template as { Resources: Record<string, CfnResource & { DeletionPolicy?: string }> }).Resources).filter(
      (r) => r.Type === 'AWS::S3::Bucket',
    );
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((b) => b.DeletionPolicy === 'Retain')).toBe(true);
  }, 120_000);

  it('bad context fails the synthesis with the message of the config validator, and leaves no cdk.out folder', async () => {
    const tmpRoot = mkdtempSync(join(tmpdir(), 'dojo-synth-tmp-'));
    try {
      const deployer = new ToolkitStackDeployer({ sourceRoot: findSourceRoot([process.cwd()]), tmpRoot });
      await expect(deployer.synth({ dojoId: cfg.id, region: 'eu-west-1', context: dojoContext({ ...cfg, maxWorkers: -1 }) })).rejects.toThrow(
        /maxWorkers/,
      );
      expect(readdirSync(tmpRoot)).toEqual([]);
      await deployer.synth({ dojoId: cfg.id, region: 'eu-west-1', context: dojoContext(cfg) });
      expect(readdirSync(tmpRoot)).toEqual([]);
    } finally {
      rmSync(tmpRoot, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('ToolkitStackDeployer.deploy without credentials', () => {
  it('synthesizes, then stops at the account lookup; the error maps to the one-line credentials message', async () => {
    const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED', 'HOME', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    const home = mkdtempSync(join(tmpdir(), 'dojo-nocreds-'));
    for (const k of keys) delete process.env[k];
    Object.assign(process.env, { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'c'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'k') });
    try {
      const lines: string[] = [];
      const deployer = new ToolkitStackDeployer({ sourceRoot: findSourceRoot([process.cwd()]), tmpRoot: home });
      const e = await deployer.deploy({ dojoId: cfg.id, region: 'eu-west-1', context: dojoContext(cfg) }, (m) => lines.push(m)).catch((x: unknown) => x);
      // Progress of the toolkit reached the progress function (stderr in the CLI).
      expect(lines.some((l) => l.includes('Successfully synthesized'))).toBe(true);
      // The failed deploy's assembly folder is gone (only the fake HOME's files remain).
      expect(readdirSync(home).filter((n) => n.includes('cdk.out'))).toEqual([]);
      expect(toDojoError(e, { region: 'eu-west-1', doing: 'dojo activate x' }).message).toBe(
        'dojo activate x: no AWS credentials found; run `aws configure` (or `aws sso login --profile P` and set AWS_PROFILE=P), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('progressIoHost', () => {
  it('forwards info/warn/error lines and drops debug; answers requests with the default', async () => {
    const lines: string[] = [];
    const host = progressIoHost((m) => lines.push(m));
    const base = { time: new Date(), action: 'deploy' as const, code: 'CDK_TOOLKIT_I5000' as const, data: undefined };
    await host.notify({ ...base, level: 'info', message: 'dojo-x | CREATE_IN_PROGRESS | AWS::EC2::VPC\n' });
    await host.notify({ ...base, level: 'debug', message: 'noise' });
    await host.notify({ ...base, level: 'warn', message: 'careful' });
    expect(lines).toEqual(['dojo-x | CREATE_IN_PROGRESS | AWS::EC2::VPC', 'warn: careful']);
    expect(await host.requestResponse({ ...base, level: 'info', message: 'approve?', defaultResponse: true })).toBe(true);
  });
});
