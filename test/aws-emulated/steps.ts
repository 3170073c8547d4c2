// One helper per CLI step of the AWS path, each running the built CLI (dist/bin/dojo.js) as a
// user would, in a DOJO_HOME of its own, against the emulated account. A new command (e.g. a
// command job) gets its own helper here and its own step in the scenario.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DojoConfig, DojoInfo, JobInfo, UploadResult } from '../../lib/providers/provider';
import { CLI, type CliResult } from '../e2e/harness';

/** Bound of one CLI run: a deploy against moto takes well under a minute idle, minutes loaded. */
const STEP_MS = 600_000;

/** Parses the one JSON document a `--json` run printed, naming the command when it is not one. */
function json<T>(args: readonly string[], r: CliResult): T {
  if (r.code !== 0) throw new Error(`dojo ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`dojo ${args.join(' ')} did not print JSON\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** The CLI steps of one user against the emulated account. */
export class AwsSteps {
  /** DOJO_HOME of this user. */
  readonly home = mkdtempSync(join(tmpdir(), 'dojo-aws-steps-'));

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Runs any command (for the failure cases), with extra environment for this run only. */
  run(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...this.env, DOJO_HOME: this.home, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`dojo ${args.join(' ')} did not finish in ${STEP_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, STEP_MS);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Removes this user's DOJO_HOME. */
  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }

  private async json<T>(args: string[]): Promise<T> {
    return json<T>(args, await this.run(args));
  }

  /** `dojo init --provider aws`. */
  init(region: string, maxWorkers: number): Promise<DojoConfig> {
    return this.json(['init', '--provider', 'aws', '--region', region, '--max-workers', String(maxWorkers), '--json']);
  }

  /** `dojo activate` (deploys the real assembly on the first call). */
  activate(id: string): Promise<DojoInfo> {
    return this.json(['activate', id, '--json']);
  }

  /** `dojo inspect`. */
  inspect(id: string): Promise<DojoInfo> {
    return this.json(['inspect', id, '--json']);
  }

  /** `dojo data put DIR ID --prefix P`. */
  dataPut(dir: string, id: string, prefix: string): Promise<UploadResult> {
    return this.json(['data', 'put', dir, id, '--prefix', prefix, '--json']);
  }

  /** `dojo job create --dojo ID` (a built-in job). */
  jobCreate(id: string): Promise<JobInfo> {
    return this.json(['job', 'create', '--dojo', id, '--json']);
  }

  /** `dojo job create --dojo ID --image IMG --command CMD` (a command job). */
  jobCreateCommand(id: string, image: string, command: string): Promise<JobInfo> {
    return this.json(['job', 'create', '--dojo', id, '--image', image, '--command', command, '--json']);
  }

  /** `dojo hpo enable JOB --space FILE ...`. */
  hpoEnable(job: string, space: Record<string, unknown>, numRuns: number, parallel: number, metric?: string): Promise<JobInfo> {
    const file = join(this.home, `space-${job}.json`);
    writeFileSync(file, JSON.stringify(space));
    const m = metric ? ['--metric', metric] : [];
    return this.json(['hpo', 'enable', job, '--space', file, '--num-runs', String(numRuns), '--parallel', String(parallel), '--sampler', 'random', '--seed', '1', ...m, '--json']);
  }

  /** `dojo job start JOB --replicas R -e K V ...`. */
  jobStart(job: string, replicas: number, env: Readonly<Record<string, string>>): Promise<JobInfo> {
    const pairs = Object.entries(env).flatMap(([k, v]) => ['-e', k, v]);
    return this.json(['job', 'start', job, '--replicas', String(replicas), ...pairs, '--json']);
  }

  /** `dojo job stop JOB`. */
  jobStop(job: string): Promise<JobInfo> {
    return this.json(['job', 'stop', job, '--json']);
  }

  /** `dojo deactivate`. */
  deactivate(id: string): Promise<DojoInfo> {
    return this.json(['deactivate', id, '--json']);
  }
}
