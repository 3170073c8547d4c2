// moto's server (the pyenv `moto_server` on PATH) as an emulated AWS control plane for the built-CLI
// suites: SSM here; bound to 127.0.0.1 on a port it picks (port 0), stopped by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running moto server. */
export interface Moto {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts `moto_server -H 127.0.0.1 -p 0` and resolves once it printed its URL (bounded by timeoutMs). */
export async function startMoto(timeoutMs = 60_000): Promise<Moto> {
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto_server did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('error', (e) => reject(new Error(`moto_server could not run (is moto installed?): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`moto_server exited with code ${code}`)));
    for (const s of [child.stdout!, child.stderr!]) {
      createInterface({ input: s }).on('line', (l) => {
        const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    }
  });
  return {
    endpoint,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
