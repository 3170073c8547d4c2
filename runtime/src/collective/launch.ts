import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { listen } from './connect';
import { REPLICA_ENV } from '../../../lib/jobs/env';

/** Options of launchReplicas (tests substitute the command). */
export interface LaunchOptions {
  /** Program and leading arguments of each replica. @default - [process.execPath, ...process.execArgv, process.argv[1]]: this CLI again */
  readonly command?: readonly string[];
  /** Extra environment for every replica. @default - none */
  readonly env?: NodeJS.ProcessEnv;
  /** After one replica fails, the others get this long to stop by themselves (they notice the loss) before SIGTERM. @default 2000 */
  readonly graceMs?: number;
  /** Called with each child once spawned (tests use it to kill one). @default - nothing */
  readonly onSpawn?: (rank: number, child: ChildProcess) => void;
}

/**
 * Removes `--replicas N` / `--replicas=N` from a command line, so that the replicas run the
 * same command as one process each.
 */
export function withoutReplicasFlag(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--replicas') i++;
    else if (!a.startsWith('--replicas=')) out.push(a);
  }
  return out;
}

/** Where the launcher writes: rank 0's stdout lines, everyone's stderr lines, and the environment to pass on. */
export interface LaunchIo {
  out(line: string): void;
  err(line: string): void;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Runs `replicas` local processes of one command (`dojo train --replicas R`): each gets DOJO_RANK,
 * DOJO_WORLD_SIZE, DOJO_MASTER_ADDR=127.0.0.1 and a free DOJO_MASTER_PORT. Rank 0's stdout is
 * forwarded (the same output contract as one process), every rank's stderr with a `[rank r]`
 * prefix. Fails fast: when a replica exits non-zero or is killed, the others are ended and the
 * result is non-zero. `argv` is the command line after the script (the --replicas flag is dropped).
 */
export async function launchReplicas(replicas: number, argv: readonly string[], io: LaunchIo, opts: LaunchOptions = {}): Promise<number> {
  const command = opts.command ?? [process.execPath, ...process.execArgv, process.argv[1]!];
  const args = withoutReplicasFlag(argv);
  const port = await freePort();
  const children: ChildProcess[] = [];
  const exits: Promise<number>[] = [];
  let firstFailure: { rank: number; code: number } | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const stopOthers = (): void => {
    const graceMs = opts.graceMs ?? 2000;
    stopTimer = setTimeout(() => {
      for (const c of children) {
        if (c.exitCode !== null || c.signalCode !== null) continue;
        c.kill('SIGTERM');
        c.kill('SIGCONT'); // a stopped (hung) replica only acts on SIGTERM once it runs again
      }
      killTimer = setTimeout(() => {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }, 5000);
    }, graceMs);
  };
  const forwardSignal = (sig: NodeJS.Signals): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(sig);
  };
  process.on('SIGINT', forwardSignal);
  process.on('SIGTERM', forwardSignal);

  for (let rank = 0; rank < replicas; rank++) {
    const child = spawn(command[0]!, [...command.slice(1), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...io.env,
        ...opts.env,
        [REPLICA_ENV.rank]: String(rank),
        [REPLICA_ENV.worldSize]: String(replicas),
        [REPLICA_ENV.masterAddr]: '127.0.0.1',
        [REPLICA_ENV.masterPort]: String(port),
      },
    });
    children.push(child);
    opts.onSpawn?.(rank, child);
    // Only rank 0 speaks for the training on stdout; the others' copies of the result are dropped.
    const out = createInterface({ input: child.stdout! });
    if (rank === 0) out.on('line', (line) => io.out(line));
    const err = createInterface({ input: child.stderr! });
    err.on('line', (line) => io.err(`[rank ${rank}] ${line}`));
    const closed = Promise.all([new Promise((r) => out.once('close', r)), new Promise((r) => err.once('close', r))]);
    exits.push(
      new Promise<number>((resolve) => {
        child.once('error', (e) => {
          io.err(`[launch] replica ${rank} could not start: ${e.message}`);
          resolve(1);
        });
        child.once('exit', (code, signal) => resolve(signal ? 128 + signalNumber(signal) : (code ?? 1)));
      }).then(async (code) => {
        await closed;
        if (code !== 0 && !firstFailure) {
          firstFailure = { rank, code };
          io.err(`[launch] replica ${rank} ${signalText(children[rank]!)}; stopping the other replicas`);
          stopOthers();
        }
        return code;
      }),
    );
  }
  try {
    const codes = await Promise.all(exits);
    if (firstFailure) return firstFailure.code;
    return codes.find((c) => c !== 0) ?? 0;
  } finally {
    clearTimeout(stopTimer);
    clearTimeout(killTimer);
    process.off('SIGINT', forwardSignal);
    process.off('SIGTERM', forwardSignal);
  }
}

function signalText(c: ChildProcess): string {
  return c.signalCode ? `was killed by ${c.signalCode}` : `exited with code ${c.exitCode ?? 1}`;
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 };
  return numbers[signal] ?? 1;
}

/** A port that was free a moment ago on 127.0.0.1 (rank 0 binds it right after). */
async function freePort(): Promise<number> {
  const server = await listen('127.0.0.1', 0);
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 0;
}
