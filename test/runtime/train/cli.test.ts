import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import { startTrackingServer, TrackingClient, type TrackingServerHandle } from '../../../lib/tracking';
import { writeFareCsv } from './helpers';

let dir: string;
let trainGlob: string;
let valGlob: string;
let tracking: TrackingServerHandle;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-train-cli-'));
  trainGlob = writeFareCsv(dir, 'train', 3000, 2, 11);
  valGlob = writeFareCsv(dir, 'val', 500, 1, 12);
  tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow') });
});
afterAll(async () => {
  await tracking.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = async (...args: string[]) => {
  const io = memoryIo({});
  const code = await main(['node', 'dojo', 'train', '--train', trainGlob, '--val', valGlob, ...args], io);
  return { code, io };
};

describe('dojo train', () => {
  it('prints progress on stderr and one JSON line with the results on stdout', async () => {
    const { code, io } = await run('--hparams', '{"batch_size": 128, "max_batches": 60}', '--test', valGlob, '--dtype', 'float32');
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const r = JSON.parse(io.stdout[0]) as Record<string, number>;
    for (const k of ['train_rmse', 'val_rmse', 'test_rmse', 'rows_per_sec', 'end_to_end_rows_per_sec', 'parse_mb_per_sec', 'seconds', 'rows_skipped', 'steps']) {
      expect(r[k], k).toBeTypeOf('number');
    }
    expect(r.steps).toBe(60);
    expect(r.test_rmse).toBe(r.val_rmse);
    expect(io.stderr.join('\n')).toMatch(/step 60\/60 .*rows\/s\s+train_rmse \d/);
  });

  it('with a missing stage, reports the rows dropped or the values imputed in the JSON line and on stderr', async () => {
    // 400 rows: every 10th has an empty pickup longitude, every 25th a bad fare (always dropped).
    const dirty = join(dir, 'dirty');
    const glob = writeFareCsv(dirty, 'train', 400, 1, 21, Array.from({ length: 16 }, (_, k) => 25 * k + 3));
    const file = glob.replace('*', '000');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    for (let r = 1; r < lines.length; r += 10) {
      const cols = lines[r]!.split(',');
      cols[2] = '';
      lines[r] = cols.join(',');
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const badFeatures = 40;
    const trainOn = async (missing: string) => {
      const io = memoryIo({});
      const code = await main(['node', 'dojo', 'train', '--train', glob, '--val', valGlob, '--hparams', `{"batch_size": 384, "max_batches": 1, "missing": "${missing}"}`], io);
      expect(code, io.stderr.join('\n')).toBe(0);
      return { r: JSON.parse(io.stdout[0]!) as Record<string, number>, err: io.stderr.join('\n') };
    };
    const mean = await trainOn('mean');
    expect(mean.r.values_imputed).toBe(badFeatures);
    expect(mean.r.rows_dropped).toBeUndefined();
    expect(mean.r.rows_skipped).toBe(16);
    expect(mean.err).toContain(`train: imputed ${badFeatures} bad feature values with the training means`);
    expect(mean.err).toContain('train: skipped 16 bad rows (a bad label or column count: never kept)');
    const drop = await trainOn('drop');
    // One batch of the 384 rows with a good label is exactly one pass; the validation set is clean.
    expect(drop.r.rows_dropped).toBe(badFeatures);
    expect(drop.r.values_imputed).toBeUndefined();
    expect(drop.err).toMatch(/train: dropped \d+ rows with a bad feature \(hparams\.missing drop\)/);
  });

  it('reads --hparams from a file and names the file in errors; bad values exit 2', async () => {
    const file = join(dir, 'hp.json');
    writeFileSync(file, '{"batch_size": 64, "max_batches": 3, "optimizer": "SGD", "lr": 0.001}');
    expect((await run('--hparams', file)).code).toBe(0);
    writeFileSync(file, '{"lr": 0}');
    const bad = await run('--hparams', file);
    expect(bad.code).toBe(2);
    expect(bad.io.stderr.join('\n')).toContain(`--hparams ${file}: hparams.lr: must be > 0`);
    const missing = await run('--hparams', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.io.stderr.join('\n')).toContain('neither a JSON object nor a readable file (ENOENT)');
    expect((await run('--dtype', 'float16')).code).toBe(2);
    expect((await run('--replicas', '0')).code).toBe(2);
    const every = await run('--log-every-n-steps', '0');
    expect(every.code).toBe(2);
    expect(every.io.stderr.join('\n')).toContain('--log-every-n-steps must be a whole number >= 1, got "0"');
  });

  it('logs params, metrics every --log-every-n-steps steps and the results to an MLflow run with --tracking', async () => {
    const { code, io } = await run('--hparams', '{"batch_size": 100, "max_batches": 12}', '--tracking', tracking.url, '--log-every-n-steps', '5');
    expect(code).toBe(0);
    const runId = /tracking run ([0-9a-f]+)/.exec(io.stderr.join('\n'))?.[1];
    expect(runId).toBeDefined();
    const client = new TrackingClient(tracking.url);
    const r = await client.getRun(runId!);
    expect(r.info.status).toBe('FINISHED');
    const params = Object.fromEntries((r.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ batch_size: '100', max_batches: '12', num_hidden_neurons: '[3,5,8]', optimizer: 'Adam', dtype: 'float64' });
    const history = await client.getMetricHistory(runId!, 'train_rmse');
    expect(history.map((m) => m.step).sort((a, b) => a - b)).toEqual([5, 10, 12]);
    const val = await client.getMetricHistory(runId!, 'val_rmse');
    expect(val.at(-1)?.value).toBeCloseTo((JSON.parse(io.stdout[0]) as { val_rmse: number }).val_rmse, 12);
    // The data it read, as MLflow dataset inputs: the train glob (2 parts) for training, the val glob for validation.
    const inputs = r.inputs?.dataset_inputs ?? [];
    const byContext = Object.fromEntries(inputs.map((i) => [i.tags?.find((t) => t.key === 'mlflow.data.context')?.value, i.dataset]));
    expect(Object.keys(byContext).sort()).toEqual(['training', 'validation']);
    expect(byContext.training).toMatchObject({ name: trainGlob, source_type: 'local', source: JSON.stringify({ uri: `file://${trainGlob}` }) });
    expect(JSON.parse(byContext.training!.profile!)).toMatchObject({ num_objects: 2 });
    expect(byContext.training!.digest).toMatch(/^[0-9a-f]{8}$/);
    expect(byContext.validation!.digest).not.toBe(byContext.training!.digest);
  });
});
