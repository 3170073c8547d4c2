// One run of the study on one tree: its own tracking server and HPO service (each a process of
// that tree's CLI), the study created over HTTP, `parallel` worker processes of that tree timed from
// spawn to exit, and the per-trial time lines of their logs summed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HpoClient } from '../../lib/hpo/client';
import type { Tree } from './trees';

/** Seconds summed over a study's trials, per part (as the workers' `time:` lines give them). */
export interface Parts {
  compute: number;
  data: number;
  eval: number;
  calls: number;
  other: number;
  trial: number;
}

/** What one study run measured. */
export interface SideResult {
  readonly tree: Tree;
  readonly wall: number;
  readonly parts: Parts;
  readonly trials: number;
  readonly complete: number;
  readonly pruned: number;
  readonly best: number | undefined;
  /** CPU seconds (user + system) of the worker processes, and of the tracking and HPO servers. */
  readonly cpu: { readonly workers: number; readonly servers: number };
}

/** The study: the demo's space and settings. */
export interface StudySetup {
  readonly space: Record<string, unknown>;
  readonly trials: number;
  readonly parallel: number;
  readonly seed: number;
  readonly trainGlob: string;
  readonly valGlob: string;
}

const TIME = /time: compute ([\d.]+) s, data ([\d.]+) s, eval ([\d.]+) s, hpo\+tracking ([\d.]+) s, other ([\d.]+) s, trial ([\d.]+) s/;

const CPU = /^dojo-bench-cpu ([\d.]+) ([\d.]+)/m;
/** GNU time prints a worker's CPU seconds when it exits (a shared machine's load barely moves them). */
const TIME_BIN = '/usr/bin/time';

/** User + system CPU seconds of a live process so far (Linux /proc; clock ticks of 1/100 s). */
function procCpu(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Starts `cli args` and resolves with its first stdout line (the URL the server prints). */
function server(cli: readonly string[], args: string[], prof: string[] = []): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(cli[0]!, [...prof, ...cli.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) resolve({ url: line.trim(), proc });
    });
    proc.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

/** Runs the study once on `tree` and returns its wall time and summed trial parts (the workers' logs kept in logDir). */
export async function runSide(tree: Tree, setup: StudySetup, name: string, logDir?: string, profDir?: string): Promise<SideResult> {
  const dir = mkdtempSync(join(tmpdir(), `dojo-study-${tree.label}-`));
  const procs: ChildProcess[] = [];
  try {
    const prof = (what: string): string[] => (profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${name}.${what}.cpuprofile`] : []);
    const tracking = await server(tree.cli, ['tracking', 'serve', '--store', join(dir, 'tracking'), '--port', '0'], prof('tracking'));
    procs.push(tracking.proc);
    const hpo = await server(tree.cli, ['hpo', 'serve', '--db', join(dir, 'hpo.db'), '--port', '0', '--tracking', tracking.url], prof('hpo'));
    procs.push(hpo.proc);
    const client = new HpoClient(hpo.url);
    const study = await client.createStudy({
      name, direction: 'minimize', space: setup.space, sampler: { name: 'tpe', seed: setup.seed }, pruner: { name: 'median' }, maxTrials: setup.trials, metric: 'val_rmse',
    });
    const env = {
      ...process.env,
      DOJO_TRACKING_URI: tracking.url, DOJO_HPO_URI: hpo.url, DOJO_STUDY: String(study.id), DOJO_REPLICAS: '1', DOJO_JOB_ID: name,
      DOJO_METRIC: 'val_rmse', DOJO_TRAIN_GLOB: setup.trainGlob, DOJO_VAL_GLOB: setup.valGlob,
    };
    const t0 = performance.now();
    const logs = await Promise.all(
      Array.from({ length: setup.parallel }, (_, g) => {
        const cmd = [tree.cli[0]!, ...prof(`worker${g}`), ...tree.cli.slice(1), 'worker', 'run', '--job', name, '--group', String(g)];
        const timed = existsSync(TIME_BIN) ? [TIME_BIN, '-f', 'dojo-bench-cpu %U %S faults %R rss %M', ...cmd] : cmd;
        const w = spawn(timed[0]!, timed.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let log = '';
        w.stderr!.on('data', (d: Buffer) => (log += d.toString()));
        return new Promise<string>((resolve, reject) => w.on('close', (code) => (code === 0 ? resolve(log) : reject(new Error(`worker ${g} exited ${code}:\n${log}`)))));
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    if (logDir) logs.forEach((l, g) => writeFileSync(join(logDir, `${name}.worker${g}.log`), l));
    const parts: Parts = { compute: 0, data: 0, eval: 0, calls: 0, other: 0, trial: 0 };
    for (const line of logs.join('\n').split('\n')) {
      const m = TIME.exec(line);
      if (!m) continue;
      const [c, d, e, h, o, t] = m.slice(1).map(Number) as [number, number, number, number, number, number];
      parts.compute += c;
      parts.data += d;
      parts.eval += e;
      parts.calls += h;
      parts.other += o;
      parts.trial += t;
    }
    let workers = 0;
    for (const l of logs) {
      const m = CPU.exec(l);
      if (m) workers += Number(m[1]) + Number(m[2]);
    }
    const servers = procCpu(tracking.proc.pid) + procCpu(hpo.proc.pid);
    const detail = await client.getStudy(study.id);
    const count = (s: string) => detail.trials.filter((t) => t.state === s).length;
    return { tree, wall, parts, trials: detail.trials.length, complete: count('complete'), pruned: count('pruned'), best: detail.best?.value, cpu: { workers, servers } };
  } finally {
    for (const p of procs.reverse()) await stop(p);
    rmSync(dir, { recursive: true, force: true });
  }
}
