import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HpoClient, type Params } from '../../lib/hpo';
import { HpoEngine, SqliteStore } from '../../lib/hpo/service';
import { branin } from '../../testkit/hpo/objectives';

const dir = mkdtempSync(join(tmpdir(), 'dojo-hpo-restart-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the service in a child process and resolves its URL. */
function serve(db: string, heartbeatMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/serve.ts'), db, String(heartbeatMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    // A bound on a hung start only: on a loaded machine the child's start can take a minute.
    const timer = setTimeout(() => reject(new Error('service did not start in 120 s')), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
}

describe('restart', () => {
  it('kill -9 mid-study, restart on the same db: asks continue, nothing told is lost, orphaned running trials fail after the heartbeat timeout', async () => {
    const db = join(dir, 'hpo.db');
    const first = await serve(db, 60_000);
    let c = new HpoClient(first.url);
    await c.createStudy({ name: 'r', direction: 'minimize', space: branin.space, sampler: { name: 'tpe', seed: 9 }, maxTrials: 30 });
    const told = new Map<number, number>();
    for (let i = 0; i < 15; i++) {
      const t = (await c.ask('r'))!;
      await c.report('r', t.number, 1, 100 + i);
      told.set(t.number, branin.f(t.params));
      await c.tell('r', t.number, 'complete', told.get(t.number)!);
    }
    const orphanA = (await c.ask('r'))!;
    const orphanB = (await c.ask('r'))!;
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const heartbeatMs = 6_000;
    const restartedAt = Date.now();
    const second = await serve(db, heartbeatMs);
    c = new HpoClient(second.url);
    const after = await c.getStudy('r');
    const readAfterMs = Date.now() - restartedAt;
    expect(after.trials.length).toBe(17);
    for (const [n, v] of told) {
      expect(after.trials[n]).toMatchObject({ number: n, state: 'complete', value: v, intermediate: { 1: 100 + n } });
    }
    // Still running when read within the timeout; on a machine so loaded that the read came later,
    // the timeout may already have failed them (a trial failed so is revived by a later tell).
    for (const t of [after.trials[15]!, after.trials[16]!]) {
      if (readAfterMs < heartbeatMs) expect(t.state).toBe('running');
      else expect(['running', 'failed'], JSON.stringify(t)).toContain(t.state);
    }
    // A worker that survived the restart may still tell its trial (a late tell is accepted too).
    await c.tell('r', orphanA.number, 'complete', branin.f(orphanA.params));
    // The orphan nobody tells is failed once the heartbeat timeout, counted from the restart, has
    // passed: wait for that (bounded), not for a fixed time.
    const deadline = Date.now() + 60_000;
    while ((await c.getStudy('r')).trials[orphanB.number]!.state === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(Date.now() - restartedAt).toBeGreaterThanOrEqual(heartbeatMs);
    expect((await c.getStudy('r')).trials[orphanB.number]!.state).toBe('failed');
    // Asks continue with the next number; the failed trial's number is not reused.
    let last = -1;
    for (;;) {
      const t = await c.ask('r');
      if (!t) break;
      expect(t.number).toBe(last < 0 ? 17 : last + 1);
      last = t.number;
      await c.tell('r', t.number, 'complete', branin.f(t.params));
    }
    const final = await c.getStudy('r');
    expect(final.counts).toEqual({ running: 0, complete: 29, pruned: 0, failed: 1 });
    expect(final.trials.map((t) => t.number)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(final.state).toBe('finished');
    second.child.kill('SIGTERM');
  }, 240_000);

  it('gp: after kill -9 mid-study (one trial running), the restarted service makes exactly the proposals an uninterrupted process makes', async () => {
    const spec = { name: 'g', direction: 'minimize' as const, space: branin.space, sampler: { name: 'gp' as const, seed: 21 }, maxTrials: 22 };
    const db = join(dir, 'gp.db');
    const first = await serve(db, 60_000);
    let c = new HpoClient(first.url);
    await c.createStudy(spec);
    const got: Params[] = [];
    for (let i = 0; i < 14; i++) {
      const t = (await c.ask('g'))!;
      got.push(t.params);
      await c.tell('g', t.number, 'complete', branin.f(t.params));
    }
    const running = (await c.ask('g'))!;
    got.push(running.params);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve(db, 60_000);
    c = new HpoClient(second.url);
    await c.tell('g', running.number, 'complete', branin.f(running.params)); // its worker outlived the service
    for (;;) {
      const t = await c.ask('g');
      if (!t) break;
      got.push(t.params);
      await c.tell('g', t.number, 'complete', branin.f(t.params));
    }
    const labels = (await c.getStudy('g')).trials.map((t) => t.sampler);
    second.child.kill('SIGTERM');

    // The same study, uninterrupted, in a fresh engine of this process.
    const engine = new HpoEngine(new SqliteStore(':memory:'));
    await engine.createStudy(spec);
    const want: Params[] = [];
    for (let i = 0; i < 22; i++) {
      const t = await engine.ask('g');
      want.push(t.params);
      await engine.tell('g', t.number, 'complete', branin.f(t.params));
    }
    engine.close();
    expect(got).toHaveLength(22);
    expect(got).toEqual(want);
    expect(labels).toEqual([...Array(10).fill('gp-startup'), ...Array(12).fill('gp')]);
  }, 240_000);
});
