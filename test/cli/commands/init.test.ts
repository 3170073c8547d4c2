// `dojo init` asks the chosen provider which options it accepts (Provider.validateInit): the local
// provider refuses the AWS-only flags, the AWS provider checks them with the stack's own rules.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { INIT_DEFAULTS } from '../../../lib/providers/defaults';
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
});
