import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DojoError } from '../../lib/errors';
import { addDojoStack } from '../../lib/infra/app';
import { dojoConfigToContext, parseDojoConfig } from '../../lib/infra/config';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DojoError);
    expect((e as DojoError).code).toBe('USAGE');
    return (e as DojoError).message;
  }
  throw new Error('expected a DojoError');
}

describe('parseDojoConfig', () => {
  it('fills in the defaults', () => {
    expect(parseDojoConfig({ dojoId: 'demo' })).toEqual({
      dojoId: 'demo',
      managerInstanceType: 't3.xlarge',
      workerInstanceType: 't3.xlarge',
      maxWorkers: 4,
      spot: false,
      private: false,
      keepData: false,
      dataVolumeGiB: 20,
      logRetentionDays: 14,
      trackingPort: 5001,
      hpoPort: 5002,
      allreducePortFrom: 29500,
      allreducePortTo: 29599,
      trackingSecrets: [],
    });
  });

  it('parses the strings that -c gives', () => {
    const c = parseDojoConfig({
      dojoId: 'team-a1',
      workerInstanceType: 'c5.2xlarge',
      maxWorkers: '8',
      spot: 'true',
      private: 'true',
      keepData: 'false',
      uiAllowCidr: '203.0.113.7/32',
      logRetentionDays: '30',
    });
    expect(c).toMatchObject({ workerInstanceType: 'c5.2xlarge', maxWorkers: 8, spot: true, private: true, keepData: false, uiAllowCidr: '203.0.113.7/32', logRetentionDays: 30 });
  });

  it('accepts typed values from cdk.json and round-trips through context strings', () => {
    const c = parseDojoConfig({ dojoId: 'x', maxWorkers: 0, spot: true });
    expect(c.maxWorkers).toBe(0);
    expect(parseDojoConfig(dojoConfigToContext(c))).toEqual(c);
  });

  it.each([
    [{}, 'context dojoId: is required (e.g. -c dojoId=demo), got nothing'],
    [{ dojoId: 'Demo' }, 'context dojoId: must be 1-20 lowercase letters, digits or dashes, not starting or ending with a dash, got "Demo"'],
    [{ dojoId: 'a'.repeat(21) }, `context dojoId: must be 1-20 lowercase letters, digits or dashes, not starting or ending with a dash, got "${'a'.repeat(21)}"`],
    [{ dojoId: 'demo-' }, 'got "demo-"'],
    [{ dojoId: 'demo', maxWorkers: '-1' }, 'context maxWorkers: must be a whole number >= 0 and <= 100, got "-1"'],
    [{ dojoId: 'demo', maxWorkers: '101' }, 'context maxWorkers: must be a whole number >= 0 and <= 100, got "101"'],
    [{ dojoId: 'demo', maxWorkers: 'four' }, 'context maxWorkers: must be a whole number >= 0 and <= 100, got "four"'],
    [{ dojoId: 'demo', maxWorkers: '2.5' }, 'context maxWorkers: must be a whole number >= 0 and <= 100, got "2.5"'],
    [{ dojoId: 'demo', workerInstanceType: 't3.huge' }, 'context workerInstanceType: must be one of t3.medium, t3.large, t3.xlarge, t3.2xlarge, m5.large, m5.xlarge, m5.2xlarge, c5.xlarge, c5.2xlarge, g4dn.xlarge, g4dn.2xlarge, g4dn.4xlarge, g4dn.12xlarge, g5.xlarge, g5.2xlarge, g5.4xlarge, g5.12xlarge, g6.xlarge, g6.2xlarge, g6.4xlarge, g6.12xlarge, p3.2xlarge, p3.8xlarge, got "t3.huge"'],
    [{ dojoId: 'demo', managerInstanceType: 'xlarge' }, 'context managerInstanceType: must be one of'],
    [{ dojoId: 'demo', spot: 'yes' }, 'context spot: must be true or false, got "yes"'],
    [{ dojoId: 'demo', private: '1' }, 'context private: must be true or false, got "1"'],
    [{ dojoId: 'demo', uiAllowCidr: '0.0.0.0/0' }, 'context uiAllowCidr: must be one IPv4 network like 203.0.113.7/32 (not 0.0.0.0/0: nothing is opened to the whole internet), got "0.0.0.0/0"'],
    [{ dojoId: 'demo', uiAllowCidr: '300.1.2.3/32' }, 'context uiAllowCidr: must be one IPv4 network'],
    [{ dojoId: 'demo', uiAllowCidr: '10.0.0.1' }, 'got "10.0.0.1"'],
    [{ dojoId: 'demo', logRetentionDays: '10' }, 'context logRetentionDays: must be one of the CloudWatch retention periods 1, 3, 5, 7, 14, 30'],
    [{ dojoId: 'demo', trackingPort: '80' }, 'context trackingPort: must be a whole number from 1024 to 65535, got "80"'],
    [{ dojoId: 'demo', hpoPort: '5001' }, 'context hpoPort: must differ from trackingPort, got 5001 for both'],
    [{ dojoId: 'demo', allreducePortFrom: '30000', allreducePortTo: '29999' }, 'context allreducePortTo: must be >= allreducePortFrom (30000), got 29999'],
    [{ dojoId: 'demo', trackingPort: '29550' }, 'context trackingPort: must be outside the allreduce range 29500-29599, got 29550'],
  ])('rejects %j', (raw, message) => {
    expect(usageMessage(() => parseDojoConfig(raw))).toContain(message);
  });

  it('names CLI flags when the caller describes keys its own way', () => {
    const msg = usageMessage(() => parseDojoConfig({ dojoId: 'demo', maxWorkers: '-3' }, (k) => `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`));
    expect(msg).toBe('--max-workers: must be a whole number >= 0 and <= 100, got "-3"');
  });
});

describe('the CDK app with bad context', () => {
  it('rejects it while building the stack, before any resource exists', () => {
    const app = new App({ context: { dojoId: 'demo', workerInstanceType: 'p9.mega' } });
    expect(usageMessage(() => addDojoStack(app))).toMatch(/^context workerInstanceType: must be one of .*, got "p9.mega"$/);
    expect(app.node.children).toHaveLength(0);
  });

  it('bin/dojo-app.ts prints one line (no stack trace) and exits 2', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'dojo-app-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/dojo-app.ts'], {
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ dojoId: 'demo', maxWorkers: '-1' }), CDK_OUTDIR: outdir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe('dojo-app: context maxWorkers: must be a whole number >= 0 and <= 100, got "-1"');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
