import { rmSync } from 'node:fs';
import type { TrackingClient } from './client';
import { MetricLogger, type MetricLoggerOptions } from './metric-logger';
import { claimSpills, DEFAULT_SPILL_DIR } from './metric-spill';

/** What a replay of spill files did. */
export interface ReplayResult {
  /** Spill files replayed. */
  files: number;
  /** Points delivered from them. */
  delivered: number;
  /** Points still undelivered (kept again in a spill file, or refused by the server). */
  undelivered: number;
}

/**
 * Delivers the metric points that loggers of earlier (or crashed) processes left in spill files of
 * `dir` for this tracking server: each file is claimed (so no other process replays it), its points
 * are sent with their original timestamps (checking the history first when its writer lost an
 * answer), and it is removed; what cannot be delivered within `timeoutMs` goes to a new spill file.
 */
export async function replaySpilledMetrics(
  client: TrackingClient,
  opts: { dir?: string; timeoutMs?: number; onWarning?: MetricLoggerOptions['onWarning'] } = {},
): Promise<ReplayResult> {
  const dir = opts.dir ?? DEFAULT_SPILL_DIR;
  const result: ReplayResult = { files: 0, delivered: 0, undelivered: 0 };
  for (const spill of claimSpills(dir, client.baseUrl)) {
    const logger = new MetricLogger(client, spill.header.runId, { spillDir: dir, onWarning: opts.onWarning });
    logger.enqueue(spill.points, spill.header.check === true);
    const r = await logger.close(opts.timeoutMs ?? 60_000);
    // Its points are delivered, or kept again in the logger's own spill file: this one can go.
    rmSync(spill.path, { force: true });
    result.files++;
    result.delivered += r.delivered;
    result.undelivered += r.undelivered;
  }
  return result;
}
