import { connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectCollective, listen, type Collective, type ConnectOptions } from '../../../runtime/src/collective';

/** Options for an in-process world (every rank in this process, real TCP on 127.0.0.1). */
export type WorldOptions = Partial<Omit<ConnectOptions, 'rank' | 'worldSize' | 'peers' | 'server'>>;

/** Opens rank 0's server on a free loopback port. */
export async function openMaster(): Promise<{ server: Server; addr: string; port: number }> {
  const server = await listen('127.0.0.1', 0);
  const port = (server.address() as AddressInfo).port;
  return { server, addr: `127.0.0.1:${port}`, port };
}

/** Connects `ranks` (default: all) of a world of `worldSize` in this process. */
export async function startWorld(worldSize: number, opts: WorldOptions = {}, ranks?: number[]): Promise<{ members: Collective[]; addr: string; port: number }> {
  const { server, addr, port } = await openMaster();
  const which = ranks ?? [...Array(worldSize).keys()];
  if (!which.includes(0)) server.close();
  const members = await Promise.all(
    which.map((rank) => connectCollective({ trialLabel: 't', ...opts, rank, worldSize, peers: [addr], ...(rank === 0 ? { server } : {}) })),
  );
  return { members, addr, port };
}

/** Closes every member, ignoring errors of already failed ones. */
export async function closeAll(members: Collective[]): Promise<void> {
  await Promise.all(members.map((m) => m.close().catch(() => undefined)));
}

/** A raw TCP connection to a port, for speaking the protocol by hand (or not at all). */
export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects everything a raw socket receives. */
export function record(s: Socket): { bytes: () => Buffer; closed: Promise<void> } {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.on('error', () => undefined);
  return { bytes: () => Buffer.concat(chunks), closed: new Promise((r) => s.once('close', () => r())) };
}

/** Resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The settled outcome of a promise, to assert on rejections without unhandled-rejection noise. */
export async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: e as Error };
  }
}

/**
 * Measures how late this process's timers run while a test waits (a loaded machine stalls it):
 * `stop()` returns the largest lateness seen, in ms. Tests add it to the bounds they assert, so a
 * bound is the product's own plus what the machine took away, not a fixed wall-clock window.
 */
export function lagMonitor(everyMs = 20): { stop(): number } {
  let max = 0;
  let expected = performance.now() + everyMs;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - expected);
    expected = now + everyMs;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, performance.now() - expected);
    },
  };
}
