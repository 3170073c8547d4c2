import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { HpoEngine } from '../../lib/hpo/engine';
import { validateSpace } from '../../lib/hpo/space';
import { SqliteStore } from '../../lib/hpo/storage/sqlite';
import { branin } from '../../testkit/hpo/objectives';

describe('validateSpace', () => {
  it('names the source and the path of the first problem', () => {
    expect(() => validateSpace({ lr: { type: 'float', low: 0, high: 0.1, log: true } }, 'space.json')).toThrow('space.json: space.lr.low: must be > 0 when log is true');
    expect(() => validateSpace({ n: { type: 'int', low: 1, high: 10, step: 4 } }, 'f')).toThrow('f: space.n.high: high - low must be a multiple of step (4)');
    expect(() => validateSpace({ n: { type: 'int', low: 1.5, high: 10 } }, 'f')).toThrow('f: space.n.low: must be an integer');
    expect(() => validateSpace({ c: { type: 'categorical', choices: ['a', 'a'] } }, 'f')).toThrow('f: space.c.choices: must not repeat a choice');
    expect(() => validateSpace({ c: { type: 'float', low: 0, high: 1, extra: 1 } }, 'f')).toThrow(/f: space\.c/);
    expect(() => validateSpace('nope', 'f')).toThrow(/f: space: /);
    expect(validateSpace(branin.space, 'f')).toEqual(branin.space);
  });
});

describe('heartbeat timeout', () => {
  it('fails a silent running trial, keeps its number, and still accepts a late tell from a live worker', async () => {
    let now = 1_000_000;
    const engine = new HpoEngine(new SqliteStore(':memory:'), { heartbeatTimeoutMs: 1_000, now: () => now });
    await engine.createStudy({ name: 'hb', space: branin.space, sampler: { name: 'random', seed: 1 }, maxTrials: 3 });
    const a = await engine.ask('hb');
    const b = await engine.ask('hb');
    now += 800;
    engine.heartbeat('hb', b.number);
    now += 800; // a: 1600 ms silent; b: 800 ms
    await engine.sweep();
    expect(engine.getStudy('hb').trials.map((t) => t.state)).toEqual(['failed', 'running']);
    const c = await engine.ask('hb');
    expect(c.number).toBe(2);
    // A failed trial keeps its slot and its number: maxTrials 3 are handed out.
    await expect(engine.ask('hb')).rejects.toThrow(/all 3 trials are handed out/);
    await engine.tell('hb', a.number, 'complete', 1.5);
    expect(engine.getStudy('hb').trials[0]).toMatchObject({ state: 'complete', value: 1.5 });
    engine.close();
  });
});

describe('dojo hpo serve', () => {
  it('serves API v1 on the given port and db until SIGTERM, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dojo-hpo-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/dojo.ts', 'hpo', 'serve', '--port', '0', '--db', join(dir, 'hpo.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        // Generous: tsx compiling the CLI on a loaded 2-core machine takes tens of seconds.
        const timer = setTimeout(() => reject(new Error('no URL in 90 s')), 90_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /(http:\/\/\S+)\n/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const c = new HpoClient(url);
      await c.createStudy({ name: 's', space: branin.space });
      expect((await c.ask('s'))!.number).toBe(0);
      const code = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      expect(await code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('space nulls', () => {
  it('treats optional fields sent as null as absent (step: null, log: null)', () => {
    expect(validateSpace({ x: { type: 'float', low: 0, high: 1, step: null, log: null } }, 'f')).toEqual({ x: { type: 'float', low: 0, high: 1 } });
    expect(() => validateSpace({ x: { type: 'float', low: null, high: 1 } }, 'f')).toThrow(/f: space\.x\.low/);
  });
});
