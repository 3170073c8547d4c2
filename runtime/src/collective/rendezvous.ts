import type { Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DojoError, usageError } from '../../../lib/errors';
// The client module only, not lib/hpo's index: the runtime must not load the service (fastify, SQLite).
import { HpoClient } from '../../../lib/hpo/client';
import type { RendezvousResult } from '../../../lib/hpo/api';
import { REPLICA_ENV, describeName, envEntry, type EnvEntry } from '../../../lib/jobs/env';
import { soloCollective, type Collective } from './collective';
import { connectCollective, listen, type ConnectOptions } from './connect';

/** Who this replica is and where rank 0 listens. */
export interface RendezvousInfo {
  readonly rank: number;
  readonly worldSize: number;
  /** `host:port` by rank; from the environment only rank 0's address (index 0) is known. */
  readonly peers: readonly string[];
}

/** The port rank 0 listens on when the environment names none (PyTorch's default). */
export const DEFAULT_MASTER_PORT = 29500;

/** Options shared by the rendezvous helpers (see ConnectOptions for each). */
export type CollectiveOptions = Pick<ConnectOptions, 'timeoutMs' | 'rendezvousTimeoutMs' | 'trialLabel' | 'maxFrameBytes' | 'onLost'>;

function wholeNumber(v: EnvEntry, min: number, max: number): number {
  const n = Number(v.value);
  if (!/^\d+$/.test(v.value) || n < min || n > max) {
    throw usageError(`environment variable ${v.name} must be a whole number from ${min} to ${max}, got "${v.value}"`);
  }
  return n;
}

/**
 * Reads the rendezvous from the environment: DOJO_RANK, DOJO_WORLD_SIZE, DOJO_MASTER_ADDR,
 * DOJO_MASTER_PORT (the book's KAEN_RANK, KAEN_WORLD_SIZE, KAEN_JOB_MANAGER_IP, MASTER_PORT
 * and PyTorch's MASTER_ADDR are accepted too). Undefined when no world size is set.
 */
export function rendezvousFromEnv(env: NodeJS.ProcessEnv): RendezvousInfo | undefined {
  const ws = envEntry(env, REPLICA_ENV.worldSize);
  if (!ws) return undefined;
  const worldSize = wholeNumber(ws, 1, 65535);
  const rankVar = envEntry(env, REPLICA_ENV.rank);
  if (!rankVar && worldSize > 1) throw usageError(`${ws.name}=${worldSize} but ${describeName(REPLICA_ENV.rank)} is not set: give every replica its rank, 0 to ${worldSize - 1}`);
  const rank = rankVar ? wholeNumber(rankVar, 0, worldSize - 1) : 0;
  if (worldSize === 1) return { rank, worldSize, peers: [] };
  const addr = envEntry(env, REPLICA_ENV.masterAddr);
  if (!addr) throw usageError(`${ws.name}=${worldSize} but ${describeName(REPLICA_ENV.masterAddr)} is not set: set it to the address of rank 0`);
  const portVar = envEntry(env, REPLICA_ENV.masterPort);
  const port = portVar ? wholeNumber(portVar, 1, 65535) : DEFAULT_MASTER_PORT;
  return { rank, worldSize, peers: [hostPort(addr.value, port)] };
}

/**
 * The collective described by the environment (see rendezvousFromEnv), the solo collective when
 * the world size is 1 or unset. DOJO_TRIAL names the trial and DOJO_DIST_TIMEOUT_MS sets the
 * lost-replica bound unless options give them.
 */
export async function collectiveFromEnv(env: NodeJS.ProcessEnv, opts: CollectiveOptions = {}): Promise<Collective> {
  const info = rendezvousFromEnv(env);
  if (!info || info.worldSize === 1) return soloCollective;
  const timeoutVar = envEntry(env, REPLICA_ENV.timeoutMs);
  return connectCollective({
    ...opts,
    rank: info.rank,
    worldSize: info.worldSize,
    peers: info.peers,
    timeoutMs: opts.timeoutMs ?? (timeoutVar ? wholeNumber(timeoutVar, 1, 86_400_000) : undefined),
    trialLabel: opts.trialLabel ?? envEntry(env, REPLICA_ENV.trial)?.value,
  });
}

/** Options of rendezvousViaHpo. */
export interface HpoRendezvousOptions extends CollectiveOptions {
  /** The address other replicas reach this one at. @default - 127.0.0.1 when the HPO service is on loopback, else the first non-internal IPv4 */
  readonly host?: string;
  /** How long the HPO service waits for the rendezvous to fill up, in ms. @default - rendezvousTimeoutMs, else the service's default */
  readonly joinTimeoutMs?: number;
  /**
   * Ports this replica may listen on ('any': a free port the OS picks).
   * @default - 'any' when the advertised host is loopback, else 29500-29599 (the range a dojo's worker security group opens)
   */
  readonly portRange?: { readonly from: number; readonly to: number } | 'any';
}

/** The ports a dojo opens between workers for the collective (lib/infra/ports.ts; a test keeps them equal). */
export const DEFAULT_ALLREDUCE_PORTS = { from: 29500, to: 29599 } as const;

/** Listens on a free port of the range, starting at a random one so that replicas on one host rarely collide. */
export async function listenInRange(host: string, range: { readonly from: number; readonly to: number } | 'any'): Promise<Server> {
  if (range === 'any') return listen(host, 0);
  const n = range.to - range.from + 1;
  if (!(Number.isInteger(range.from) && Number.isInteger(range.to) && range.from > 0 && n > 0 && range.to < 65536)) {
    throw usageError(`port range ${range.from}-${range.to} is not a range of TCP ports`);
  }
  const start = Math.floor(Math.random() * n);
  let last: unknown;
  for (let i = 0; i < n; i++) {
    try {
      return await listen(host, range.from + ((start + i) % n));
    } catch (e) {
      last = e;
    }
  }
  throw new DojoError('UNAVAILABLE', `no free port for the collective in ${range.from}-${range.to} on ${host}: ${last instanceof Error ? last.message : String(last)}`);
}

/**
 * Joins rendezvous `key` through the HPO service (`POST /api/v1/rendezvous/{key}/join`), for
 * replicas that start with identical settings (ECS tasks): listens on a free port first, advertises
 * it as `addr`, learns rank and peers once all `replicas` joined, then connects the collective.
 */
export async function rendezvousViaHpo(hpoUri: string, key: string, replicas: number, opts: HpoRendezvousOptions = {}): Promise<Collective> {
  if (!Number.isInteger(replicas) || replicas < 1) throw usageError(`replicas must be a whole number >= 1, got ${replicas}`);
  if (replicas === 1) return soloCollective;
  let base: URL;
  try {
    base = new URL(hpoUri);
  } catch {
    throw usageError(`HPO service URI "${hpoUri}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  const host = opts.host ?? advertisedHost(base.hostname);
  const server = await listenInRange(host, opts.portRange ?? (isLoopback(host) ? 'any' : DEFAULT_ALLREDUCE_PORTS));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const timeoutMs = opts.joinTimeoutMs ?? opts.rendezvousTimeoutMs;
  let answer: RendezvousResult;
  try {
    answer = await new HpoClient(hpoUri).joinRendezvous(key, { replicas, addr: hostPort(host, port), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    if (!Number.isInteger(answer.rank) || answer.worldSize !== replicas || !Array.isArray(answer.peers) || answer.peers.length !== replicas) {
      throw new DojoError('UNAVAILABLE', `the HPO service at ${hpoUri} answered the join of rendezvous ${key} with ${JSON.stringify(answer).slice(0, 200)}, not {rank, worldSize: ${replicas}, peers}`);
    }
  } catch (e) {
    server.close();
    throw e;
  }
  return connectCollective({ ...opts, rank: answer.rank, worldSize: answer.worldSize, peers: answer.peers, server, trialLabel: opts.trialLabel ?? key });
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}

function advertisedHost(serviceHost: string): string {
  if (isLoopback(serviceHost)) return '127.0.0.1';
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
