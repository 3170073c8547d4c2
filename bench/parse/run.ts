// CSV parse throughput and peak RSS of the dataset reader (bench/README.md, "CSV parsing").
//   npx tsx bench/parse/run.ts [--sizes 1000000,10000000] [--parts 40] [--s3-rows 1000000] [--reps 3] [--dtype float64]
// Generates synthetic data (dojo data synth) under the temp dir, then for each size and source runs
// child.ts in a fresh process per repetition and prints the best run: MB/s and rows/s (wall clock
// of a single-threaded reader), CPU seconds of the reading process (user + system, all its threads)
// and MB per CPU-second (what one core sustains when the machine is shared), and the largest peak
// RSS of the repetitions. S3 runs use s3rver on 127.0.0.1 (or DOJO_TEST_S3_ENDPOINT).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { synthesize } from '../../runtime/src/data';
import { startTestS3 } from '../../testkit/s3/server';

const run = promisify(execFile);

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const sizes = flag('--sizes', '1000000,10000000').split(',').map(Number);
const parts = Number(flag('--parts', '40'));
const s3Rows = Number(flag('--s3-rows', '1000000'));
const reps = Number(flag('--reps', '3'));
const dtype = flag('--dtype', 'float64');
const batch = flag('--batch', '65536');

interface Result {
  rows: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMB: number;
}

async function measure(glob: string, endpoint?: string): Promise<Result> {
  let best: Result | undefined;
  for (let r = 0; r < reps; r++) {
    const args = [...process.execArgv, join(import.meta.dirname, 'child.ts'), glob, batch, dtype, ...(endpoint ? [endpoint] : [])];
    const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
    const res = JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
    if (!best || res.seconds < best.seconds) best = { ...res, maxRssMB: Math.max(res.maxRssMB, best?.maxRssMB ?? 0) };
    else best.maxRssMB = Math.max(best.maxRssMB, res.maxRssMB);
  }
  return best!;
}

function line(source: string, r: Result): string {
  const mb = r.bytes / 1e6;
  return [
    source.padEnd(6),
    r.rows.toLocaleString('en-US').padStart(11),
    `${mb.toFixed(0)} MB`.padStart(8),
    `${r.seconds.toFixed(2)} s`.padStart(9),
    `${(mb / r.seconds).toFixed(0)} MB/s`.padStart(10),
    `${(r.rows / r.seconds / 1e6).toFixed(2)} M rows/s`.padStart(15),
    `cpu ${r.cpuSeconds.toFixed(2)} s = ${(mb / r.cpuSeconds).toFixed(0)} MB/cpu-s`.padStart(26),
    `peak RSS ${r.maxRssMB.toFixed(0)} MB`.padStart(18),
  ].join('  ');
}

const root = await mkdtemp(join(tmpdir(), 'dojo-bench-parse-'));
try {
  console.log(`# dojo bench/parse  ${new Date().toISOString()}  node ${process.version}  batch ${batch}  ${dtype}  best of ${reps}`);
  for (const rows of sizes) {
    const dir = join(root, String(rows));
    const t0 = performance.now();
    await synthesize({ rows, parts, out: dir, seed: 1 });
    process.stderr.write(`(synthesized ${rows} rows in ${parts} parts in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    console.log(line('local', await measure(join(dir, 'part-*.csv'))));
    await rm(dir, { recursive: true, force: true });
  }
  if (s3Rows > 0) {
    const s3 = await startTestS3();
    try {
      const bucket = await s3.bucket('bench');
      await synthesize({ rows: s3Rows, parts, out: `s3://${bucket}/data`, seed: 1, s3Endpoint: s3.endpoint });
      console.log(line('s3', await measure(`s3://${bucket}/data/part-*.csv`, s3.endpoint)));
    } finally {
      await s3.close();
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
