import { describe, expect, it } from 'vitest';
import { formatDojoInfo } from '../../../lib/cli/commands/inspect/format';
import { formatDojoList } from '../../../lib/cli/commands/ls/format';
import { formatRemove } from '../../../lib/cli/commands/rm/format';
import { formatDuration, formatProgress } from '../../../lib/cli/commands/job-wait/format';
import { formatJobInfo } from '../../../lib/cli/commands/job-inspect/format';
import type { DojoInfo, JobProgress } from '../../../lib/providers/provider';
import { formatThroughput } from '../../../lib/cli/commands/predict';

const info: DojoInfo = {
  id: 'dojo-00000001', provider: 'local', status: 'active', managerIp: '127.0.0.1', trackingUri: 'http://127.0.0.1:5000',
  hpoUri: 'http://127.0.0.1:5002', workers: 2, costPerHour: 0, activatedAt: '2026-01-01T00:00:00.000Z', createdAt: '2025-12-31T00:00:00.000Z', warnings: [],
};

describe('formatting', () => {
  it('prints inspect as the book\'s KEY=VALUE lines', () => {
    expect(formatDojoInfo(info)).toEqual([
      'DOJO_ID=dojo-00000001', 'DOJO_PROVIDER=local', 'DOJO_STATUS=active', 'DOJO_MANAGER_IP=127.0.0.1',
      'DOJO_TRACKING_URI=http://127.0.0.1:5000', 'DOJO_HPO_URI=http://127.0.0.1:5002', 'DOJO_WORKERS=2',
      'DOJO_COST_PER_HOUR=0.00', 'DOJO_ACTIVATED_AT=2026-01-01T00:00:00.000Z', 'DOJO_CREATED_AT=2025-12-31T00:00:00.000Z',
      // the book's names, same values (ch. 12: `grep KAEN_DOJO_MANAGER_IP | cut -d '=' -f 2`)
      'KAEN_DOJO_ID=dojo-00000001', 'KAEN_DOJO_STATUS=active', 'KAEN_DOJO_MANAGER_IP=127.0.0.1',
    ]);
    const inactive = formatDojoInfo({ ...info, status: 'inactive', managerIp: undefined, extra: { DOJO_BUCKET: 'b' } });
    expect(inactive).toContain('DOJO_BUCKET=b');
    expect(inactive).toContain('KAEN_DOJO_STATUS=inactive');
    expect(inactive).toContain('KAEN_DOJO_MANAGER_IP=');
  });

  it("prints job inspect with the book's KAEN_HPO_MANAGER_IP once HPO is enabled", () => {
    const job = { id: 'job-00000001', dojoId: 'dojo-00000001', image: '-', createdAt: 'c', status: 'created' as const };
    expect(formatJobInfo(job, { managerIp: '127.0.0.1' })).toEqual(['JOB_ID=job-00000001', 'JOB_DOJO=dojo-00000001', 'JOB_STATUS=created', 'JOB_IMAGE=-', 'JOB_CREATED_AT=c', 'KAEN_JOB_ID=job-00000001']);
    const hpo = {
      space: {}, spaceFile: 'space.json', numRuns: 1, parallel: 1, sampler: 'auto' as const, pruner: 'median' as const, metric: 'val_rmse', direction: 'minimize' as const,
    };
    const lines = formatJobInfo({ ...job, hpo }, { managerIp: '10.0.1.7' });
    expect(lines).toContain('JOB_HPO_MANAGER_IP=10.0.1.7');
    expect(lines[lines.length - 1]).toBe('KAEN_HPO_MANAGER_IP=10.0.1.7');
    expect(formatJobInfo({ ...job, hpo }).join('\n')).not.toContain('HPO_MANAGER_IP');
  });

  it('lists ids alone, or a table with --long', () => {
    const d = { id: 'dojo-00000001', provider: 'local' as const, status: 'active' as const, createdAt: '2026-01-01T00:00:00.000Z', costPerHour: 0.1664 };
    expect(formatDojoList([d], false)).toEqual(['dojo-00000001']);
    expect(formatDojoList([d], true)).toEqual([
      'ID             PROVIDER  STATUS  CREATED                   COST/H',
      'dojo-00000001  local     active  2026-01-01T00:00:00.000Z  $0.17',
    ]);
  });

  it('says that nothing remains, or lists what does', () => {
    expect(formatRemove({ id: 'dojo-1', remaining: [] })[0]).toMatch(/nothing remains/);
    expect(formatRemove({ id: 'dojo-1', remaining: ['process 42 (manager)'] })).toEqual(['1 thing(s) of dojo-1 remain:', '  process 42 (manager)']);
  });

  it('shows progress with counts, best so far, elapsed and ETA', () => {
    const p: JobProgress = {
      jobId: 'job-1', status: 'running', total: 10, complete: 3, running: 2, pruned: 1, failed: 0,
      best: { number: 2, value: 4.56789, params: {} }, elapsedSec: 65, etaSec: 3725, workersAlive: 2, metric: 'val_rmse',
    };
    expect(formatProgress(p)).toBe(
      'job-1 running · trials 4/10 done (3 complete, 1 pruned, 0 failed), 2 running · best val_rmse 4.5679 (trial 2) · elapsed 1:05 · ETA 1:02:05',
    );
    expect(formatDuration(0)).toBe('0:00');
    const lines = formatJobInfo({ id: 'job-1', dojoId: 'dojo-1', image: 'bundled', createdAt: 'c', status: 'running', progress: p });
    expect(lines).toContain('JOB_TRIALS_COMPLETE=3');
    expect(lines).toContain('JOB_BEST_VALUE=4.5679');
  });

  it('prints predict throughput at a readable scale (rows/s, k or M)', () => {
    const s = { rows: 5, files: 1, seconds: 0.037, rows_per_sec: 135, forward_rows_per_sec: 2202, dtype: 'float32', values_imputed: 3 };
    expect(formatThroughput(s)).toBe('predict: 5 rows from 1 file in 0.04 s: 135 rows/s end to end, 2202 rows/s forward, 3 bad feature values imputed with the training means');
    expect(formatThroughput({ ...s, rows: 2_000_000, files: 2, rows_per_sec: 2_430_000, forward_rows_per_sec: 23_000_000, values_imputed: undefined, rmse: 2.5 })).toBe(
      'predict: 2,000,000 rows from 2 files in 0.04 s: 2.43M rows/s end to end, 23.00M rows/s forward, RMSE 2.5000',
    );
    expect(formatThroughput({ ...s, rows_per_sec: 54_321 })).toContain('54.3k rows/s end to end');
  });
});
