// Cold start of the CLI bundle: wall time of `node dist/bin/dojo.js --help` and `dojo ls` (with
// a DOJO_HOME holding a few dojos), each run as a fresh process. Target < 200 ms. Also the CPU
// time (user + sys, from /usr/bin/time when present), which a busy shared machine disturbs less.
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

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function timeOnce(args: string[]): { wall: number; cpu: number } {
  const cmd = TIME ? [TIME, '-f', 'CPU %U %S', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const t = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { env, encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`dojo ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

function stats(name: string, args: string[]): void {
  timeOnce(args); // warm the OS file cache: "cold" means a new process, not a cold disk
  const xs = Array.from({ length: runs }, () => timeOnce(args));
  const q = (v: number[], p: number) => v.sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))]!;
  const wall = xs.map((x) => x.wall);
  const cpu = xs.map((x) => x.cpu);
  console.log(
    `${name.padEnd(22)} wall min ${q(wall, 0).toFixed(0)} ms  median ${q(wall, 0.5).toFixed(0)} ms  p90 ${q(wall, 0.9).toFixed(0)} ms` +
      `   cpu min ${q(cpu, 0).toFixed(0)} ms  median ${q(cpu, 0.5).toFixed(0)} ms  (${runs} runs)`,
  );
}

try {
  for (let i = 0; i < 5; i++) spawnSync(process.execPath, [CLI, 'init'], { env });
  const base = Array.from({ length: runs }, () => {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return performance.now() - t;
  }).sort((a, b) => a - b);
  console.log(`${'node -e 0 (baseline)'.padEnd(22)} wall min ${base[0]!.toFixed(0)} ms  median ${base[base.length >> 1]!.toFixed(0)} ms`);
  stats('dojo --help', ['--help']);
  stats('dojo ls (5 dojos)', ['ls']);
  stats('dojo ls --long', ['ls', '--long']);
} finally {
  rmSync(home, { recursive: true, force: true });
}
