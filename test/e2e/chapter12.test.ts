// The book's chapter 12 (MLOps Engineering at Scale), its commands verbatim with `dojo` for `kaen`,
// run in order by bash with the built CLI on PATH as `dojo`: ids captured with `| head -n 1`, the
// manager's address cut out of `dojo dojo inspect` with grep and cut, the book's `hpo enable` flags
// (no space file: the DcTaxiHpoService space is built in) and `job start -e` variables, the job
// written last. The data are tiny synthetic CSVs instead of the book's S3 bucket, and one line is
// added to the book's: `--enqueue` (a dojo flag) pins the study's one trial to the cheapest point of
// the book's space, so that it completes in seconds on a loaded 2-core machine. The AWS init line is
// checked without credentials: refused, naming what is missing, with no request sent anywhere.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingClient } from '../../lib/tracking';
import { CLI, Sandbox, ensureBuilt, keyValues, processesMentioning } from './harness';

let box: Sandbox;
let bin: string;
beforeAll(async () => {
  ensureBuilt();
  box = new Sandbox();
  bin = join(box.home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'dojo'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'dojo'), 0o755);
  const data = join(box.home, 'csv');
  await box.ok(['data', 'synth', '--rows', '400', '--parts', '2', '--out', join(data, 'dev'), '--seed', '3']);
  await box.ok(['data', 'synth', '--rows', '100', '--parts', '1', '--out', join(data, 'test'), '--seed', '4']);
});
afterAll(async () => box?.dispose());

/** Runs a bash script (`set -euo pipefail`) in the sandbox with `dojo` on PATH; stdout and stderr apart. */
function bash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: box.home, env: { ...box.env, PATH: `${bin}:${process.env.PATH ?? ''}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

// 12.4.2, the local provider. Comments give the book's Jupyter form where the shell form differs
// (`[MOST_RECENT_DOJO] = !kaen dojo ls | head -n 1` is `MOST_RECENT_DOJO=$(dojo dojo ls | head -n 1)`).
const LOCAL = String.raw`
dojo dojo init --provider local
dojo dojo ls
MOST_RECENT_DOJO=$(dojo dojo ls | head -n 1)
echo "MOST_RECENT_DOJO=$MOST_RECENT_DOJO"
dojo dojo activate $MOST_RECENT_DOJO
dojo dojo inspect $MOST_RECENT_DOJO | grep -x KAEN_DOJO_STATUS=active
dojo job create --dojo $MOST_RECENT_DOJO \
--image $DOCKER_HUB_USER/dctaxi:latest
MOST_RECENT_JOB=$(dojo job ls | head -n 1)
echo "MOST_RECENT_JOB=$MOST_RECENT_JOB"
dojo job inspect $MOST_RECENT_JOB
# dojo's own line: the study's one trial at the cheapest point of the book's space
echo '[{"num_layers": 11, "batch_size": 65536, "max_batches": 40}]' > cheapest.json
dojo hpo enable \
--image $DOCKER_HUB_USER/dctaxi-hpo:latest \
--num-runs 1 \
--service-prefix hpo \
--service-name DcTaxiHpoService \
--port 5001 5001 \
--enqueue cheapest.json \
$MOST_RECENT_JOB
dojo job inspect $MOST_RECENT_JOB | grep KAEN_HPO_MANAGER_IP
echo "http://$(dojo dojo inspect $MOST_RECENT_DOJO \
| grep KAEN_DOJO_MANAGER_IP | cut -d '=' -f 2):5001"
dojo job start \
--replicas 1 \
-e KAEN_HPO_JOB_RUNS 1 \
-e AWS_DEFAULT_REGION $AWS_DEFAULT_REGION \
-e AWS_ACCESS_KEY_ID $AWS_ACCESS_KEY_ID \
-e AWS_SECRET_ACCESS_KEY $AWS_SECRET_ACCESS_KEY \
-e KAEN_OSDS_TRAIN_GLOB "file://$BUCKET/csv/dev/part*.csv" \
-e KAEN_OSDS_VAL_GLOB "file://$BUCKET/csv/test/part*.csv" \
-e KAEN_OSDS_TEST_GLOB "file://$BUCKET/csv/test/part*.csv" \
$MOST_RECENT_JOB
# the book watches the MLflow UI here; a script waits for the study
dojo job wait $MOST_RECENT_JOB
dojo job inspect $MOST_RECENT_JOB
`;

describe("chapter 12's commands with dojo for kaen", () => {
  it('run in order through bash on a local dojo: ids by head -n 1, grep/cut on inspect, the study completes, dojo dojo rm leaves nothing', async () => {
    const secret = 'not-a-real-secret-5c1f';
    const r = await bash(LOCAL, { DOCKER_HUB_USER: 'reader', AWS_DEFAULT_REGION: 'us-east-2', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: secret, BUCKET: box.home }, 600_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const out = r.stdout.split('\n');
    const dojo = /^MOST_RECENT_DOJO=(dojo-[0-9a-f]{8})$/m.exec(r.stdout)?.[1];
    const job = /^MOST_RECENT_JOB=(job-[0-9a-f]{8})$/m.exec(r.stdout)?.[1];
    expect(dojo).toBeDefined();
    expect(job).toBeDefined();
    // init prints the id alone, and `dojo dojo ls` into a pipe lists it alone: no header line
    expect(out.slice(0, 2)).toEqual([dojo, dojo]);
    expect(out).toContain('KAEN_DOJO_STATUS=active');
    expect(out).toContain('KAEN_HPO_MANAGER_IP=127.0.0.1');
    expect(out).toContain('http://127.0.0.1:5001');
    // the book's flags and credentials are said to be unused or unrecorded, on stderr
    expect(r.stderr).toContain('note: --image reader/dctaxi-hpo:latest is not run');
    expect(r.stderr).toContain('note: -e AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: not recorded with the job');
    expect(r.stderr).toMatch(new RegExp(`${job} completed · trials 1/1 done \\(1 complete, 0 pruned, 0 failed\\)`));

    const ji = keyValues(r.stdout.slice(r.stdout.lastIndexOf('\nJOB_ID=')));
    expect(ji).toMatchObject({ JOB_STATUS: 'completed', JOB_TRIALS_COMPLETE: '1', JOB_HPO_NUM_RUNS: '1', JOB_BEST_TRIAL: '0' });
    expect(Number(ji.JOB_BEST_VALUE)).toBeGreaterThan(0);
    const best = JSON.parse(ji.JOB_BEST_PARAMS!) as Record<string, unknown>;
    expect(best).toMatchObject({ num_layers: 11, batch_size: 65536, max_batches: 40, optimizer: 'Adam' });
    expect([7, 11, 13, 19, 23]).toContain(best.num_neurons_l10);

    // the job's record keeps the region and the data globs (as dojo's names), no credential
    const record = readFileSync(join(box.home, dojo!, 'jobs', `${job!}.json`), 'utf8');
    expect(record).not.toContain(secret);
    expect(record).not.toContain('AKIAEXAMPLE');
    const run = (JSON.parse(record) as { run: { env: Record<string, string> } }).run;
    expect(run.env).toMatchObject({ AWS_DEFAULT_REGION: 'us-east-2', DOJO_TRAIN_GLOB: `file://${box.home}/csv/dev/part*.csv`, DOJO_TEST_GLOB: `file://${box.home}/csv/test/part*.csv` });

    // the trial's MLflow run holds the book's hyperparameters and the train_rmse curve of its figure 12.6
    const info = keyValues(await box.ok(['dojo', 'inspect', dojo!]));
    const tracking = new TrackingClient(info.DOJO_TRACKING_URI!, { token: info.DOJO_TOKEN });
    const exp = await tracking.getExperimentByName(job!);
    const runs = await tracking.searchAllRuns({ experimentIds: [exp!.experiment_id] });
    const child = runs.find((x) => x.data.tags?.some((t) => t.key === 'mlflow.parentRunId'));
    expect(child?.info.status).toBe('FINISHED');
    const params = Object.fromEntries((child!.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ num_layers: '11', batch_size: '65536', max_batches: '40', optimizer: 'Adam' });
    expect(JSON.parse(params.num_hidden_neurons!)).toHaveLength(11);
    expect((await tracking.getMetricHistory(child!.info.run_id, 'train_rmse')).length).toBeGreaterThan(0);

    // the book's last step
    const rm = await bash(`dojo dojo rm ${dojo!}`, {}, 120_000);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/nothing remains/);
    expect(readdirSync(box.home).filter((n) => n.startsWith('dojo-'))).toEqual([]);
    expect(processesMentioning(dojo!)).toEqual([]);
  }, 660_000);

  describe('12.4.3, the AWS provider, without AWS credentials', () => {
    let server: Server;
    let requests = 0;
    beforeAll(async () => {
      // every AWS endpoint points here: a request sent to AWS would be counted
      server = createServer((_req, res) => {
        requests++;
        res.writeHead(500).end();
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    });
    afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

    it('parses the init line and refuses it naming the missing credentials (exit 1), records nothing, sends nothing', async () => {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // no credentials anywhere the SDK looks: an empty HOME, no profile, no instance metadata
      const env = {
        HOME: join(box.home, 'empty-home'), AWS_ENDPOINT_URL: endpoint, AWS_EC2_METADATA_DISABLED: 'true', AWS_DEFAULT_REGION: 'us-east-2',
        AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '', AWS_WEB_IDENTITY_TOKEN_FILE: '',
      };
      const before = readdirSync(box.home).filter((n) => n.startsWith('dojo-'));
      const init = String.raw`dojo dojo init --provider aws \
--worker-instance-type t3.xlarge --manager-instance-type t3.xlarge`;
      const r = await bash(init, env, 120_000);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toBe(
        'dojo: dojo init: no AWS credentials found; run `aws configure` (or `aws sso login --profile P` and set AWS_PROFILE=P), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
      // without a region either, the region is what it names first (usage, exit 2)
      const noRegion = await bash(init, { ...env, AWS_DEFAULT_REGION: '', AWS_REGION: '' }, 120_000);
      expect(noRegion.code).toBe(2);
      expect(noRegion.stderr.trim()).toBe('dojo: no AWS region: pass --region (e.g. --region us-east-1), set AWS_REGION, or set a region in ~/.aws/config');
      // a bad instance type is caught by the flags' own check, before credentials are looked for
      const bad = await bash(init.replace('t3.xlarge --manager', 't3.huge-ish --manager'), env, 120_000);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--worker-instance-type/);
      expect(readdirSync(box.home).filter((n) => n.startsWith('dojo-'))).toEqual(before);
      expect(requests).toBe(0);
    }, 240_000);
  });
});
