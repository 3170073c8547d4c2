import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handler as init, parseTrackingUri } from '../../../lib/cli/commands/init';
import { formatDojoInfo } from '../../../lib/cli/commands/inspect/format';
import { memoryIo } from '../../../lib/cli/io';
import { LocalProvider } from '../../../lib/providers/local/provider';

const home = mkdtempSync(join(tmpdir(), 'dojo-init-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const opts = { provider: 'local' as const, managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false, json: false };

describe('dojo init --tracking-uri', () => {
  it('checks the URI: http(s), no credentials in it (they go in MLflow\'s variables)', () => {
    expect(parseTrackingUri('https://mlflow.example.com/')).toBe('https://mlflow.example.com');
    expect(() => parseTrackingUri('mlflow.example.com')).toThrow('--tracking-uri mlflow.example.com: not a URL');
    expect(() => parseTrackingUri('ftp://x')).toThrow('--tracking-uri ftp://x: must start with http:// or https://');
    expect(() => parseTrackingUri('https://me:pw@x')).toThrow(/put no credentials in the URI.*MLFLOW_TRACKING_TOKEN/);
  });

  it('records the URI; inspect of the inactive dojo shows it as an external server; aws refuses it for now', async () => {
    const saved = process.env.DOJO_HOME;
    process.env.DOJO_HOME = home;
    try {
      const io = memoryIo({ DOJO_HOME: home });
      expect(await init([], { ...opts, trackingUri: 'http://127.0.0.1:5999', json: true }, { io, debug: false })).toBe(0);
      const cfg = JSON.parse(io.stdout[0]!) as { id: string; trackingUri: string };
      expect(cfg.trackingUri).toBe('http://127.0.0.1:5999');
      expect(JSON.parse(readFileSync(join(home, cfg.id, 'config.json'), 'utf8'))).toMatchObject({ trackingUri: 'http://127.0.0.1:5999' });
      const lines = formatDojoInfo(await new LocalProvider({ home }).inspect(cfg.id));
      expect(lines).toContain('DOJO_TRACKING_URI=http://127.0.0.1:5999');
      expect(lines).toContain('DOJO_TRACKING_SERVER=external');
      await expect(init([], { ...opts, provider: 'aws', trackingUri: 'http://127.0.0.1:5999' }, { io, debug: false })).rejects.toThrow(/not supported with --provider aws yet/);
    } finally {
      if (saved === undefined) delete process.env.DOJO_HOME;
      else process.env.DOJO_HOME = saved;
    }
  });
});
