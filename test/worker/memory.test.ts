// A worker process's memory stays within its data budget plus a fixed margin (issue 20): the same
// study is run by a real `dojo worker run` process three times — streaming everything (budget 0),
// with a budget too small for the training data, and with room for all of it — and the peak RSS
// each reports is compared. The room-for-all run shows what ignoring the budget would cost.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { startHpoService } from '../../lib/hpo/service';
import { synthesize } from '../../runtime/src/data';

const BUDGET = 16e6;
/** What a process's peak may exceed its streaming twin's by, beyond the budget: GC timing, buffers. */
const MARGIN = 32e6;

let dir: string;
let hpo: { url: string; close(): Promise<void> | void };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-worker-rss-'));
  // ~72 MB of parsed training rows: far past the budget, and far past the margin.
  await synthesize({ rows: 1_000_000, parts: 4, out: join(dir, 'train'), seed: 3 });
  await synthesize({ rows: 50_000, parts: 1, out: join(dir, 'val'), seed: 4 });
  hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), host: '127.0.0.1', port: 0, log: () => undefined });
}, 120_000);
afterAll(async () => {
  await hpo?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a 3-trial study in one worker process with DOJO_DATA_MEMORY=budget; returns its peak RSS and log. */
async function workerPeak(name: string, budget: string): Promise<{ peak: number; log: string }> {
  const study = await new HpoClient(hpo.url).createStudy({
    name,
    space: { lr: { type: 'categorical', choices: [0.01] }, batch_size: { type: 'categorical', choices: [256] }, max_batches: { type: 'categorical', choices: [20] } },
    sampler: { name: 'random', seed: 1 },
    pruner: { name: 'none' },
    maxTrials: 3,
  });
  const env = {
    ...process.env,
    DOJO_HPO_URI: hpo.url,
    DOJO_STUDY: String(study.id),
    DOJO_TRAIN_GLOB: join(dir, 'train', 'part-*.csv'),
    DOJO_VAL_GLOB: join(dir, 'val', 'part-*.csv'),
    DOJO_DATA_MEMORY: budget,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/dojo.ts', 'worker', 'run', '--job', name], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, log).toBe(0);
  const m = /peak RSS (\d+(?:\.\d+)?) MB/.exec(log);
  expect(m, log).not.toBeNull();
  return { peak: Number(m![1]) * 1e6, log };
}

describe('a worker\'s memory', () => {
  it('peaks within its data budget plus a fixed margin over streaming everything', async () => {
    const streaming = await workerPeak('rss-stream', '0');
    const budgeted = await workerPeak('rss-budget', String(BUDGET));
    const unbounded = await workerPeak('rss-all', '1GiB');
    const peaks = `peak RSS: streaming ${streaming.peak / 1e6} MB, budget 16 MB ${budgeted.peak / 1e6} MB, all kept ${unbounded.peak / 1e6} MB`;
    expect(budgeted.log).toContain('does not fit the memory budget of 16 MB');
    expect(budgeted.peak, peaks).toBeLessThanOrEqual(streaming.peak + BUDGET + MARGIN);
    // What keeping everything costs, so the bound above can fail: the worker keeps more than the
    // budget and the margin together, and its RSS shows it. (Against the streaming twin's peak, which
    // moves by tens of MB with GC timing on a loaded machine, the same check failed once at load 24:
    // streaming 154 MB, all kept 198 MB; so it is made against the budgeted run.)
    const kept = /data cache: (\d+(?:\.\d+)?) MB of parsed rows kept/.exec(unbounded.log);
    expect(Number(kept?.[1]) * 1e6, unbounded.log).toBeGreaterThan(BUDGET + MARGIN);
    expect(unbounded.peak, peaks).toBeGreaterThan(budgeted.peak + BUDGET);
  }, 300_000);
});
