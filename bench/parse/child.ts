// One measurement in a fresh process, so that its peak RSS belongs to this dataset alone:
//   child.ts <glob> <batchSize> <dtype> [s3Endpoint]
// Reads every batch once and prints one JSON line.
import { openBatches, type DType } from '../../runtime/src/data';

const [glob, batch = '65536', dtype = 'float64', s3Endpoint] = process.argv.slice(2);
if (!glob) throw new Error('usage: child.ts <glob> [batchSize] [float64|float32] [s3Endpoint]');
const reader = await openBatches({
  glob,
  rank: 0,
  worldSize: 1,
  shardSize: 1 << 30,
  batchSize: Number(batch),
  dtype: dtype as DType,
  onBadRow: 'fail',
  cycle: false,
  s3Endpoint,
});
// The clock starts once the glob is listed: that excludes the one-time loading of the AWS SDK's lazily
// imported modules (credentials, signing), which otherwise dominates a short S3 run.
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let rows = 0;
let check = 0;
for (let b = await reader.next(); b; b = await reader.next()) {
  rows += b.rows;
  check += b.y[0]!; // touch the data so nothing is optimised away
}
await reader.close();
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    rows,
    bytes: reader.stats.bytesRead,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    userSeconds: cpu.user / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    check: Number.isFinite(check),
  }),
);
