// What the worker tests share: synthetic train/val data in a temp folder, a real tracking server
// and HPO service on 127.0.0.1 (ports they pick), and worker settings pointing at them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHpoService } from '../../lib/hpo/service';
import { startTrackingServer } from '../../lib/tracking';
import { synthesize } from '../../runtime/src/data';
import type { WorkerSettings } from '../../runtime/src/worker';

/** A running world for worker tests. */
export interface WorkerWorld {
  readonly dir: string;
  readonly trackingUrl: string;
  readonly hpoUrl: string;
  /** Settings for one solo worker of job `job-test`, group 0 (give the study id). */
  readonly settings: Omit<WorkerSettings, 'studyId'>;
  close(): Promise<void>;
}

/** Synthesizes `rows` training rows (in `parts` files) and a fifth of them for validation, and starts the servers. */
export async function startWorkerWorld(prefix: string, rows: number, parts: number, seed = 1): Promise<WorkerWorld> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await synthesize({ rows, parts, out: join(dir, 'train'), seed });
  await synthesize({ rows: Math.round(rows / 5), parts: 1, out: join(dir, 'val'), seed: seed + 1 });
  const tracking = await startTrackingServer({ storeDir: join(dir, 'tracking'), host: '127.0.0.1', port: 0 });
  const hpo = await startHpoService({ dbFile: join(dir, 'hpo.db'), host: '127.0.0.1', port: 0, trackingUri: tracking.url, log: () => undefined });
  return {
    dir,
    trackingUrl: tracking.url,
    hpoUrl: hpo.url,
    settings: {
      trackingUri: tracking.url,
      hpoUri: hpo.url,
      jobId: 'job-test',
      group: '0',
      replicas: 1,
      trainGlob: join(dir, 'train', 'part-*.csv'),
      valGlob: join(dir, 'val', 'part-*.csv'),
      metric: 'val_rmse',
      dtype: 'float64',
      onBadRow: 'fail',
      evalEvery: 10,
      rendezvousTimeoutMs: 20_000,
      lostTimeoutMs: 10_000,
      patienceMs: 5_000,
      maxConsecutiveFailures: 3,
    },
    async close() {
      await hpo.close();
      await tracking.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
