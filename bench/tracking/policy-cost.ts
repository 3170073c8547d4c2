// Benchmark: what metric logging costs one trial. The same training run (the fare model, real
// train() on synthetic data) without tracking, then logging to the embedded server and to the real
// MLflow 2.11.3, with the default policy (every 50 steps and the last) and with every step. Prints one
// JSON line per case: training seconds, the extra seconds over no tracking, the seconds close()
// then still needed to deliver, and the points logged.
//   npx tsx bench/tracking/policy-cost.ts [--steps 4000] [--batch 256]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MetricLogger, TrackingClient } from '../../lib/tracking';
import { synthesize } from '../../runtime/src/data/synth';
import { parseHParams, train } from '../../runtime/src/train';
import { MetricsPolicy } from '../../runtime/src/train/metrics-policy';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const STEPS = arg('--steps', 4000);
const BATCH = arg('--batch', 256);
const root = join(import.meta.dirname, '..', '..');
const REAL_MLFLOW = [join(root, '..', 'shared', 'tools', 'real-mlflow'), '/work/shared/tools/real-mlflow'].find((p) => existsSync(p));

const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-policy-'));
await synthesize({ rows: 200_000, parts: 1, out: join(dir, 'data'), seed: 1 });
const glob = join(dir, 'data', 'part-*.csv');
const hparams = parseHParams({ num_hidden_neurons: [8, 8], batch_norm_linear_layers: 1, batch_size: BATCH, max_batches: STEPS });

/** One training run, logging through a MetricLogger when a server is given; returns its timings. */
async function trial(url: string | undefined, every: number): Promise<{ trainSec: number; closeSec: number; points: number }> {
  const client = url ? new TrackingClient(url) : undefined;
  const runId = client ? (await client.createRun({ experimentId: await client.getOrCreateExperiment('policy-cost') })).info.run_id : undefined;
  const logger = client && runId ? new MetricLogger(client, runId, { spillDir: join(dir, 'spill') }) : undefined;
  let points = 0;
  const t0 = performance.now();
  await train({
    hparams, train: glob, val: glob, dtype: 'float32', onBadRow: 'fail', metricsPolicy: new MetricsPolicy(every),
    onMetrics: logger
      ? (step, m) => {
          for (const [k, v] of Object.entries(m)) {
            if (!Number.isFinite(v)) continue;
            logger.log(k, v, step);
            points++;
          }
          return logger.backpressure();
        }
      : undefined,
  });
  const trainSec = (performance.now() - t0) / 1000;
  const c0 = performance.now();
  const r = await logger?.close();
  if (r && r.undelivered > 0) throw new Error(`${r.undelivered} points undelivered`);
  return { trainSec, closeSec: (performance.now() - c0) / 1000, points };
}

const base = await trial(undefined, 50);
console.log(JSON.stringify({ server: 'none', steps: STEPS, trainSec: Number(base.trainSec.toFixed(2)) }));
const servers: { name: string; start: () => Promise<{ url: string; stop: () => Promise<void> }> }[] = [
  {
    name: 'embedded',
    start: async () => {
      const store = mkdtempSync(join(dir, 'store-'));
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'dojo.ts'), 'tracking', 'serve', '--store', store, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const { url } = JSON.parse(await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r))) as { url: string };
      return { url, stop: async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r))) };
    },
  },
  ...(REAL_MLFLOW
    ? [
        {
          name: 'mlflow-2.11.3',
          start: async () => {
            const d = mkdtempSync(join(dir, 'mlflow-'));
            const url = execFileSync(REAL_MLFLOW, ['start', '--dir', d], { encoding: 'utf8' }).trim();
            return { url, stop: async () => void execFileSync(REAL_MLFLOW, ['stop', '--dir', d]) };
          },
        },
      ]
    : []),
];
try {
  for (const s of servers) {
    const { url, stop } = await s.start();
    try {
      for (const every of [50, 1]) {
        const r = await trial(url, every);
        console.log(JSON.stringify({ server: s.name, everyNSteps: every, steps: STEPS, points: r.points, trainSec: Number(r.trainSec.toFixed(2)), extraSec: Number((r.trainSec - base.trainSec).toFixed(2)), closeSec: Number(r.closeSec.toFixed(2)), loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) }));
      }
    } finally {
      await stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
