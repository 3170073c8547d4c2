// Cold start of the CLI bundle: wall time of `node dist/bin/dojo.js --help` and `dojo ls` (with
// a DOJO_HOME holding a few dojos), each run as a fresh process. Target < 200 ms.
// Run: npm run build && npx tsx bench/cli/cold-start.ts [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/bin/dojo.js');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
const runs = Number(process.argv[2] ?? 20);
const home = mkdtempSync(join(tmpdir(), 'dojo-bench-cli-'));
const env = { ...process.env, DOJO_HOME: home };

function timeOnce(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`dojo ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function stats(name: string, args: string[]): void {
  timeOnce(args); // warm the OS file cache: "cold" means a new process, not a cold disk
  const xs = Array.from({ length: runs }, () => timeOnce(args)).sort((a, b) => a - b);
  const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  console.log(`${name.padEnd(22)} min ${q(0).toFixed(1)} ms  median ${q(0.5).toFixed(1)} ms  p90 ${q(0.9).toFixed(1)} ms  (${runs} runs)`);
}

try {
  for (let i = 0; i < 5; i++) spawnSync(process.execPath, [CLI, 'init'], { env });
  const base = performance.now();
  for (let i = 0; i < runs; i++) spawnSync(process.execPath, ['-e', '0']);
  console.log(`${'node -e 0 (baseline)'.padEnd(22)} mean ${((performance.now() - base) / runs).toFixed(1)} ms`);
  stats('dojo --help', ['--help']);
  stats('dojo ls (5 dojos)', ['ls']);
  stats('dojo ls --long', ['ls', '--long']);
} finally {
  rmSync(home, { recursive: true, force: true });
}
