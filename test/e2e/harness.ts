// Drives the built CLI (dist/bin/dojo.js) as a user would: real processes, DOJO_HOME in a temp
// folder, every dojo removed at the end and no process of it left behind.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The CLI bundle the tests drive. */
export const CLI = resolve('dist/bin/dojo.js');

/** Builds the bundle once when it is missing (`npm test` builds first anyway). */
export function ensureBuilt(): void {
  if (!existsSync(CLI)) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}

/** What one CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A DOJO_HOME of its own, with helpers to run the CLI in it. */
export class Sandbox {
  readonly home = mkdtempSync(join(tmpdir(), 'dojo-e2e-'));
  readonly env: NodeJS.ProcessEnv;

  constructor(extraEnv: NodeJS.ProcessEnv = {}) {
    this.env = { ...process.env, DOJO_HOME: this.home, ...extraEnv };
  }

  /** Runs `dojo args...` to completion (bounded by timeoutMs). */
  run(args: readonly string[], timeoutMs = 120_000): Promise<CliResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`dojo ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Runs and expects exit 0, returning stdout trimmed. */
  async ok(args: readonly string[], timeoutMs?: number): Promise<string> {
    const r = await this.run(args, timeoutMs);
    if (r.code !== 0) throw new Error(`dojo ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Writes a tiny synthetic dataset (train and val) and returns their globs. */
  async data(trainRows: number, valRows: number): Promise<{ train: string; val: string }> {
    const dir = join(this.home, 'data');
    mkdirSync(dir, { recursive: true });
    await this.ok(['data', 'synth', '--rows', String(trainRows), '--parts', '2', '--out', join(dir, 'train'), '--seed', '3']);
    await this.ok(['data', 'synth', '--rows', String(valRows), '--parts', '1', '--out', join(dir, 'val'), '--seed', '4']);
    return { train: join(dir, 'train', 'part-*.csv'), val: `file://${join(dir, 'val')}/part-*.csv` };
  }

  /** Writes a JSON file in the sandbox. */
  file(name: string, data: unknown): string {
    const f = join(this.home, name);
    writeFileSync(f, JSON.stringify(data));
    return f;
  }

  /** Removes every dojo left (by the CLI) and the sandbox. */
  async dispose(): Promise<void> {
    for (const id of readdirSync(this.home).filter((n) => n.startsWith('dojo-'))) await this.run(['rm', id, '--yes']);
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** `KEY=VALUE` lines as an object (values single-quoted the POSIX way are unquoted; one line each). */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const v = line.slice(i + 1);
    out[line.slice(0, i)] = v.startsWith("'") && v.endsWith("'") && v.length >= 2 ? v.slice(1, -1).replace(/'\\''/g, "'") : v;
  }
  return out;
}

/** Pids of live processes whose command line mentions s (scans /proc). */
export function processesMentioning(s: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(s)) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Polls cond every 100 ms until it holds or timeoutMs passes (then throws what). */
export async function until<T>(what: string, cond: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A small search space over the fare model for tests: quick trials. */
export function tinySpace(maxBatches: [number, number] = [20, 40]): Record<string, unknown> {
  return {
    lr: { type: 'float', low: 0.001, high: 0.1, log: true },
    batch_size: { type: 'categorical', choices: [64, 128] },
    layers: { type: 'int', low: 1, high: 2 },
    neurons: { type: 'int', low: 4, high: 8, step: 4 },
    optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] },
    max_batches: { type: 'int', low: maxBatches[0], high: maxBatches[1], step: 10 },
  };
}
