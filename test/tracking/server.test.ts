import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTrackingServer, TrackingClient } from '../../lib/tracking';
import { EXTERNAL_URI } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'dojo-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(Boolean(EXTERNAL_URI))('startTrackingServer (embedded server only)', () => {
  it('binds 127.0.0.1 by default, and a second server on a taken port rejects with a clear error', async () => {
    const a = await startTrackingServer({ storeDir: dir });
    try {
      expect(a.url).toBe(`http://127.0.0.1:${a.port}`);
      await expect(startTrackingServer({ storeDir: join(dir, 'other'), port: a.port })).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+.*pick another --port/);
      expect(await new TrackingClient(a.url).health()).toBe(true);
    } finally {
      await a.close();
      await a.close(); // idempotent
    }
  });

  it('reopens the same store on the same port after close, with the data there', async () => {
    const a = await startTrackingServer({ storeDir: dir });
    const id = await new TrackingClient(a.url).createExperiment('kept');
    await a.close();
    const b = await startTrackingServer({ storeDir: dir, port: a.port });
    try {
      expect((await new TrackingClient(b.url).getExperiment(id)).name).toBe('kept');
    } finally {
      await b.close();
    }
  });
});
