// The local provider's dojo lifecycle over real manager processes (the built CLI spawns them).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../../lib/providers/local/provider';
import { CLI, Sandbox, ensureBuilt, processesMentioning, until } from '../../e2e/harness';

let box: Sandbox;
let provider: LocalProvider;
beforeAll(() => {
  ensureBuilt();
  box = new Sandbox();
  provider = new LocalProvider({ home: box.home, cli: { command: process.execPath, args: [CLI] } });
});
afterAll(async () => box?.dispose());

describe('local dojo lifecycle', () => {
  it('activates, is idempotent, detects a killed manager, comes back on the same ports, deactivates and removes', async () => {
    const cfg = await provider.init({ maxWorkers: 2 });
    expect(cfg).toMatchObject({ provider: 'local', maxWorkers: 2 });
    expect((await provider.inspect(cfg.id)).status).toBe('inactive');
    const progress: string[] = [];
    const a = await provider.activate(cfg.id, (m) => progress.push(m));
    expect(a).toMatchObject({ status: 'active', managerIp: '127.0.0.1', costPerHour: 0, workers: 0 });
    expect(progress.join('\n')).toMatch(/starting the manager/);
    expect(await (await fetch(`${a.trackingUri}/health`)).text()).toBe('OK');
    // The dojo's token (0600 in its folder) is required by both servers; /health stays open.
    const token = a.extra?.DOJO_TOKEN ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(join(box.home, cfg.id, 'token')).mode & 0o777).toBe(0o600);
    expect(a.extra?.DOJO_UI_URL).toBe(`${a.trackingUri}/?token=${token}`);
    expect((await fetch(`${a.hpoUri}/api/v1/studies`)).status).toBe(401);
    expect((await fetch(`${a.hpoUri}/api/v1/studies`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${a.trackingUri}/api/2.0/mlflow/experiments/search?max_results=1`)).status).toBe(401);
    expect((await fetch(`${a.trackingUri}/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const again = await provider.activate(cfg.id);
    expect(again.activatedAt).toBe(a.activatedAt);
    expect((await provider.list()).map((d) => [d.id, d.status])).toEqual([[cfg.id, 'active']]);

    const dir = join(box.home, cfg.id);
    const pid = (JSON.parse(readFileSync(join(dir, 'pids', 'manager.json'), 'utf8')) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');
    await until('manager gone', () => (processesMentioning(`manager serve --dir ${dir}`).length === 0 ? true : undefined), 10_000);
    const stale = await provider.inspect(cfg.id);
    expect(stale.status).toBe('inactive');
    expect(stale.warnings.join('\n')).toMatch(new RegExp(`pid ${pid}.*stale pid.*dojo activate ${cfg.id}`));

    const back = await provider.activate(cfg.id);
    expect(back.status).toBe('active');
    expect([back.trackingUri, back.hpoUri]).toEqual([a.trackingUri, a.hpoUri]);

    const off = await provider.deactivate(cfg.id);
    expect(off.status).toBe('inactive');
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(join(dir, 'tracking'))).toBe(true); // data kept

    expect(await provider.remove(cfg.id)).toEqual({ id: cfg.id, remaining: [] });
    expect(existsSync(dir)).toBe(false);
    await expect(provider.inspect(cfg.id)).rejects.toThrow(/no dojo/);
  });

  it('refuses to start a job on an inactive dojo, and a job without a search space', async () => {
    const cfg = await provider.init({ maxWorkers: 3 });
    const job = await provider.createJob(cfg.id, {});
    const env = { DOJO_TRAIN_GLOB: '/x', DOJO_VAL_GLOB: '/y' };
    await expect(provider.startJob(job.id, { replicas: 1, env })).rejects.toThrow(/has no search space; run `dojo hpo enable/);
    await provider.enableHpo(job.id, {
      space: { lr: { type: 'float', low: 0.01, high: 0.1 } }, spaceFile: 's.json', numRuns: 2, parallel: 2,
      sampler: 'random', pruner: 'none', metric: 'val_rmse', direction: 'minimize',
    });
    await expect(provider.startJob(job.id, { replicas: 2, env })).rejects.toThrow(/2 × --replicas 2 = 4 workers exceeds the dojo's --max-workers 3/);
    await expect(provider.startJob(job.id, { replicas: 1, env })).rejects.toThrow(`dojo ${cfg.id} is not active; run \`dojo activate ${cfg.id}\``);
    await expect(provider.waitJob(job.id, { onProgress: () => undefined })).rejects.toThrow(/has not been started/);
    expect((await provider.listJobs(cfg.id)).map((j) => j.id)).toEqual([job.id]);
    expect((await provider.remove(cfg.id)).remaining).toEqual([]);
  });
});
