import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

/** A tracking server running as a separate process (`dojo tracking serve`), so tests can kill -9 it. */
export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..');

/** Starts `dojo tracking serve --store dir --port port --json` under tsx and waits for its URL. */
export async function startChildServer(storeDir: string, port = 0): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'dojo.ts'), 'tracking', 'serve', '--store', storeDir, '--port', String(port), '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tracking server did not start in 30 s: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tracking server exited with ${code}: ${stderr}`));
    });
  });
  const info = JSON.parse(line) as { url: string; port: number };
  return {
    ...info,
    child,
    kill9: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
