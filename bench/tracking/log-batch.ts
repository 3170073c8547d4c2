// Benchmark: W concurrent writers, each doing log-batch of B metrics to its own run, against the
// embedded tracking server (a separate `dojo tracking serve` process) and the real MLflow 2.11.3
// (`../shared/tools/real-mlflow`, SQLite store, 2 gunicorn workers), one after the other in one run.
// Prints one JSON line per server: sustained metrics/s, request latency p50/p99, server CPU, and
// verifies by reading back that no metric was lost or duplicated.
//   npx tsx bench/tracking/log-batch.ts [--writers 16] [--batch 100] [--seconds 10] [--server both|embedded|real]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TrackingClient, type Metric } from '../../lib/tracking';

/** CPU seconds (user + system) of a process, or of every process of its group (gunicorn's workers), from /proc. */
function cpuSeconds(pid: number, group = false): number {
  let total = 0;
  for (const p of group ? readdirSync('/proc').filter((n) => /^\d+$/.test(n)) : [String(pid)]) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (group && Number(f[2]) !== pid) continue;
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const WRITERS = arg('--writers', 16);
const BATCH = arg('--batch', 100);
const SECONDS = arg('--seconds', 10);
const KEYS = 10;
const SERVER = process.argv.includes('--server') ? process.argv[process.argv.indexOf('--server') + 1]! : 'both';

const root = join(import.meta.dirname, '..', '..');
const REAL_MLFLOW = [join(root, '..', 'shared', 'tools', 'real-mlflow'), '/work/shared/tools/real-mlflow'].find((p) => existsSync(p));

/** A server under measurement: its URL, how to read its CPU time, how to stop it. */
interface Server {
  readonly name: string;
  readonly url: string;
  cpu(): number;
  stop(): Promise<void>;
}

async function embedded(): Promise<Server> {
  const store = mkdtempSync(join(tmpdir(), 'dojo-bench-tracking-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'dojo.ts'), 'tracking', 'serve', '--store', store, '--port', '0', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url } = JSON.parse(await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r))) as { url: string };
  return {
    name: 'embedded',
    url,
    cpu: () => cpuSeconds(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(store, { recursive: true, force: true });
    },
  };
}

async function realMlflow(): Promise<Server> {
  if (!REAL_MLFLOW) throw new Error('the real MLflow script (../shared/tools/real-mlflow) is not there');
  const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-real-mlflow-'));
  const url = execFileSync(REAL_MLFLOW, ['start', '--dir', dir], { encoding: 'utf8' }).trim();
  const pid = Number(readFileSync(join(dir, 'server.pid'), 'utf8'));
  return {
    name: 'mlflow-2.11.3',
    url,
    cpu: () => cpuSeconds(pid, true),
    stop: async () => {
      execFileSync(REAL_MLFLOW, ['stop', '--dir', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const servers = SERVER === 'both' ? [embedded, realMlflow] : SERVER === 'real' ? [realMlflow] : [embedded];
for (const start of servers) {
  const server = await start();
  try {
    await measure(server);
  } finally {
    await server.stop();
  }
}

async function measure(server: Server): Promise<void> {
  const url = server.url;
  const client = new TrackingClient(url, { retries: 0 });
  const exp = await client.createExperiment('bench');
  const runs = await Promise.all(Array.from({ length: WRITERS }, (_, w) => client.createRun({ experimentId: exp, runName: `writer-${w}` })));
  const latencies: number[] = [];
  const sent = new Array<number>(WRITERS).fill(0);
  let errors = 0;
  const serverCpu0 = server.cpu();
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    runs.map(async (run, w) => {
      for (let seq = 0; performance.now() < end; seq++) {
        const metrics: Metric[] = Array.from({ length: BATCH }, (_, i) => ({ key: `m${i % KEYS}`, value: Math.random(), timestamp: Date.now(), step: seq * (BATCH / KEYS) + Math.floor(i / KEYS) }));
        const s = performance.now();
        try {
          await client.logBatch(run.info.run_id, { metrics });
          sent[w]! += BATCH;
        } catch (e) {
          errors++;
          console.error(String(e));
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const serverCpu = server.cpu() - serverCpu0;
  const c = process.cpuUsage(clientCpu0);
  const clientCpu = (c.user + c.system) / 1e6;
  const total = sent.reduce((a, b) => a + b, 0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

  // Read back: every run must hold exactly what was acknowledged, each (key, step) once.
  let lost = 0;
  let duplicated = 0;
  for (let w = 0; w < WRITERS; w++) {
    for (let k = 0; k < KEYS; k++) {
      const h = await client.getMetricHistory(runs[w]!.info.run_id, `m${k}`);
      const steps = new Set(h.map((m) => m.step));
      duplicated += h.length - steps.size;
      lost += sent[w]! / KEYS - steps.size;
    }
  }
  console.log(
    JSON.stringify({
      server: server.name,
      writers: WRITERS,
      batch: BATCH,
      seconds: Number(secs.toFixed(2)),
      requests: latencies.length,
      metrics: total,
      metricsPerSec: Math.round(total / secs),
      p50ms: Number(pct(50).toFixed(1)),
      p99ms: Number(pct(99).toFixed(1)),
      // Load-independent figures: on a shared machine wall-clock rates depend on what else runs.
      serverCpuSec: Number(serverCpu.toFixed(2)),
      metricsPerServerCpuSec: Math.round(total / serverCpu),
      clientCpuSec: Number(clientCpu.toFixed(2)),
      loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
      errors,
      lost,
      duplicated,
    }),
  );
  if (lost !== 0 || duplicated !== 0 || errors !== 0) process.exitCode = 1;
}
