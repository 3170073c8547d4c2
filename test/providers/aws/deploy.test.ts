import { describe, expect, it } from 'vitest';
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

  it('bad context fails the synthesis with the message of the config validator', async () => {
    const deployer = new ToolkitStackDeployer({ sourceRoot: findSourceRoot([process.cwd()]) });
    await expect(deployer.synth({ dojoId: cfg.id, region: 'eu-west-1', context: dojoContext({ ...cfg, maxWorkers: -1 }) })).rejects.toThrow(
      /maxWorkers/,
    );
  }, 120_000);
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
