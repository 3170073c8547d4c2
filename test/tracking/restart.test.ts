import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackingClient, type Metric } from '../../lib/tracking';
import { startChildServer, type ChildServer } from './child-server';
import { EXTERNAL_URI } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'dojo-restart-'));
const children: ChildServer[] = [];
afterAll(async () => {
  for (const c of children) await c.kill9();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(Boolean(EXTERNAL_URI))('tracking server crash (embedded server only: the test kills its process)', () => {
  it('kill -9 during a write load loses no acknowledged write', async () => {
    const first = await startChildServer(dir);
    children.push(first);
    const setup = new TrackingClient(first.url);
    const exp = await setup.createExperiment('crash');
    const run = await setup.createRun({ experimentId: exp, runName: 'under-load' });
    const id = run.info.run_id;
    // No retries: an error means "not acknowledged", never "sent twice".
    const client = new TrackingClient(first.url, { retries: 0, timeoutMs: 5000 });
    const acked = new Map<string, number[]>();
    const ackedParams: string[] = [];
    let stop = false;
    const writer = async (w: number): Promise<void> => {
      const key = `w${w}`;
      acked.set(key, []);
      for (let seq = 0; !stop; seq++) {
        const metrics: Metric[] = Array.from({ length: 50 }, (_, i) => ({ key, value: seq + i / 100, timestamp: 1_000_000 + seq, step: seq * 50 + i }));
        try {
          await client.logBatch(id, { metrics, params: [{ key: `${key}-p${seq}`, value: String(seq) }] });
        } catch {
          return;
        }
        acked.get(key)!.push(...metrics.map((m) => m.step));
        ackedParams.push(`${key}-p${seq}`);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(writer));
    // Kill it mid-load: after 2 s and once a few hundred points were acknowledged (a loaded
    // machine may need longer than 2 s for that).
    const started = Date.now();
    const ackedPoints = () => [...acked.values()].reduce((n, a) => n + a.length, 0);
    while (Date.now() - started < 2000 || ackedPoints() <= 200) await new Promise((r) => setTimeout(r, 50));
    await first.kill9();
    stop = true;
    await load;
    const total = [...acked.values()].reduce((n, a) => n + a.length, 0);
    expect(total).toBeGreaterThan(200);

    const second = await startChildServer(dir);
    children.push(second);
    const after = new TrackingClient(second.url);
    for (const [key, steps] of acked) {
      const history = await after.getMetricHistory(id, key);
      const stored = history.map((m) => m.step);
      expect(new Set(stored).size, `${key}: no duplicates`).toBe(stored.length);
      const have = new Set(stored);
      expect(steps.filter((s) => !have.has(s)), `${key}: acknowledged steps missing after restart`).toEqual([]);
    }
    const params = new Set((await after.getRun(id)).data.params?.map((p) => p.key));
    expect(ackedParams.filter((p) => !params.has(p))).toEqual([]);
    await second.kill9();
  });
});
