// `dojo init` asks the chosen provider which options it accepts (Provider.validateInit): the local
// provider refuses the AWS-only flags, the AWS provider checks them with the stack's own rules and
// refuses --tracking-uri for now.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as initHandler, parseTrackingUri } from '../../../lib/cli/commands/init';
import { formatDojoInfo } from '../../../lib/cli/commands/inspect/format';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { INIT_DEFAULTS } from '../../../lib/providers/defaults';
import { LocalProvider } from '../../../lib/providers/local/provider';
import { loadDojoConfig } from '../../../lib/providers/state';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dojo-init-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function init(...flags: string[]) {
  const io = memoryIo({ DOJO_HOME: home, PATH: '' });
  const code = await main(['node', 'dojo', 'init', ...flags], io);
  return { code, out: io.stdout, err: io.stderr.join('\n') };
}

describe('dojo init', () => {
  it('records a local dojo with the one set of defaults', async () => {
    const r = await init();
    expect(r.code).toBe(0);
    const cfg = loadDojoConfig(home, r.out[0]!);
    expect(cfg).toMatchObject({ provider: 'local', maxWorkers: INIT_DEFAULTS.maxWorkers, managerInstanceType: INIT_DEFAULTS.managerInstanceType, spot: false });
  });

  it('refuses AWS-only flags for a local dojo, naming the flag, before anything is recorded', async () => {
    for (const flags of [['--worker-instance-type', 't3.large'], ['--spot'], ['--region', 'eu-west-1']]) {
      const r = await init('--provider', 'local', ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`dojo: ${flags[0]}: the local provider runs the dojo as processes on this machine; remove it, or use --provider aws`);
    }
    expect(readdirSync(home)).toEqual([]);
  });

  it('checks an AWS dojo\'s instance types with the stack\'s rules, naming the flag and the value', async () => {
    const r = await init('--provider', 'aws', '--worker-instance-type', 't3.nano');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^dojo: --worker-instance-type: must be one of t3\.medium, .*, got "t3\.nano"$/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('accepts a GPU worker type (the check goes on to the region) and refuses a GPU manager, naming the flag', async () => {
    const gpu = await init('--provider', 'aws', '--worker-instance-type', 'g4dn.xlarge');
    expect(gpu.code).toBe(2);
    expect(gpu.err).toMatch(/region/i);
    expect(gpu.err).not.toMatch(/instance-type/);
    const manager = await init('--provider', 'aws', '--manager-instance-type', 'g4dn.xlarge');
    expect(manager.code).toBe(2);
    expect(manager.err).toMatch(/^dojo: --manager-instance-type: must be one of t3\.medium, .*\(the manager serves MLflow and the HPO service: no GPU type\), got "g4dn\.xlarge"$/);
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('dojo init --tracking-uri', () => {
  const opts = { provider: 'local' as const, maxWorkers: 4, json: false };

  it('checks the URI: http(s), no credentials in it (they go in MLflow\'s variables)', () => {
    expect(parseTrackingUri('https://mlflow.example.com/')).toBe('https://mlflow.example.com');
    expect(() => parseTrackingUri('mlflow.example.com')).toThrow('--tracking-uri mlflow.example.com: not a URL');
    expect(() => parseTrackingUri('ftp://x')).toThrow('--tracking-uri ftp://x: must start with http:// or https://');
    expect(() => parseTrackingUri('https://me:pw@x')).toThrow(/put no credentials in the URI.*MLFLOW_TRACKING_TOKEN/);
  });

  it('records the URI; inspect of the inactive dojo shows it as an external server (AWS: test/providers/aws/external-tracking.test.ts)', async () => {
    const io = memoryIo({ DOJO_HOME: home });
    expect(await initHandler([], { ...opts, trackingUri: 'http://127.0.0.1:5999', json: true }, { io, debug: false })).toBe(0);
    const cfg = JSON.parse(io.stdout[0]!) as { id: string; trackingUri: string };
    expect(cfg.trackingUri).toBe('http://127.0.0.1:5999');
    expect(JSON.parse(readFileSync(join(home, cfg.id, 'config.json'), 'utf8'))).toMatchObject({ trackingUri: 'http://127.0.0.1:5999' });
    const lines = formatDojoInfo(await new LocalProvider({ home }).inspect(cfg.id));
    expect(lines).toContain('DOJO_TRACKING_URI=http://127.0.0.1:5999');
    expect(lines).toContain('DOJO_TRACKING_SERVER=external');
  });
});
