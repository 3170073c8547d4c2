import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The real MLflow 2.11.3 server script of the workplace (`../shared/tools/real-mlflow` beside the
 * project, as CI lays it out; `/work/shared/tools/real-mlflow` on a developer's machine), or undefined.
 */
export const REAL_MLFLOW_TOOL = [join(ROOT, '..', 'shared', 'tools', 'real-mlflow'), '/work/shared/tools/real-mlflow'].find((p) => existsSync(p));

/**
 * Whether suites that need the real MLflow run: 'run' when the tool is there (and DOJO_REAL_MLFLOW
 * is not 0); 'skip' when it is not and nobody requires it; 'missing' when DOJO_REQUIRE_REAL_MLFLOW=1
 * (as .ci/run sets) but it cannot run — then the suite must fail, never pass by skipping.
 */
export const REAL_MLFLOW_MODE: 'run' | 'skip' | 'missing' =
  REAL_MLFLOW_TOOL && process.env['DOJO_REAL_MLFLOW'] !== '0' ? 'run' : process.env['DOJO_REQUIRE_REAL_MLFLOW'] === '1' ? 'missing' : 'skip';

/** Why the real MLflow cannot run, for the failing test of 'missing' mode. */
export const REAL_MLFLOW_MISSING = REAL_MLFLOW_TOOL
  ? 'DOJO_REAL_MLFLOW=0 but DOJO_REQUIRE_REAL_MLFLOW=1'
  : `DOJO_REQUIRE_REAL_MLFLOW=1 but the real MLflow script is not at ${join(ROOT, '..', 'shared', 'tools', 'real-mlflow')}`;

/** A real MLflow server of this test file (its own directory, SQLite store and proxied artifacts). */
export interface RealMlflow {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops the server (its process group). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** Starts a real MLflow 2.11.3 server on a free 127.0.0.1 port; its first start may install Debian packages (minutes). */
export async function startRealMlflow(): Promise<RealMlflow> {
  if (!REAL_MLFLOW_TOOL) throw new Error(REAL_MLFLOW_MISSING);
  const tool = REAL_MLFLOW_TOOL;
  const dir = mkdtempSync(join(tmpdir(), 'dojo-real-mlflow-'));
  const startAt = async (port: number): Promise<string> => (await run(tool, ['start', '--dir', dir, '--port', String(port)], { timeout: 600_000 })).stdout.trim();
  const url = await startAt(0);
  const port = Number(new URL(url).port);
  const stop = async (): Promise<void> => {
    await run(tool, ['stop', '--dir', dir], { timeout: 60_000 });
    // stop signals the process group; wait until the port no longer answers.
    // gunicorn lets its workers finish for up to 30 s after SIGTERM.
    for (let i = 0; i < 600; i++) {
      const up = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      );
      if (!up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`real MLflow at ${url} still answers 60 s after stop`);
  };
  return {
    url,
    port,
    dir,
    stop,
    start: async () => {
      await startAt(port);
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
