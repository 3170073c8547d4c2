import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { endianness } from 'node:os';
import { DojoError, usageError } from '../../../lib/errors';
import { soloCollective, type Collective } from './collective';
import { decodeHello, encodeFrame, encodeHello, DEFAULT_MAX_FRAME_BYTES, DTypeCode, Op, opName } from './frame';
import { PeerLink } from './peer-link';
import { TcpCollective } from './tcp-collective';

/** Default bound on how long a lost replica may go unnoticed, and on the rendezvous. */
export const DEFAULT_LOST_TIMEOUT_MS = 30_000;

/** How to join the collective of one trial. */
export interface ConnectOptions {
  readonly rank: number;
  readonly worldSize: number;
  /** `host:port` of every rank, by rank; the star topology only dials `peers[0]` (rank 0). */
  readonly peers: readonly string[];
  /** Rank 0 listens here. @default - the port of peers[0] */
  readonly listenPort?: number;
  /** Rank 0 binds this address. @default - the host of peers[0] when it is a loopback address, else 0.0.0.0 */
  readonly listenHost?: string;
  /** Rank 0 uses this already listening server instead of opening one (see rendezvousViaHpo). @default - none */
  readonly server?: Server;
  /** Bound on noticing a lost replica (dead, hung, disconnected), in ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Bound on the whole rendezvous (all replicas connected to rank 0), in ms. @default - timeoutMs */
  readonly rendezvousTimeoutMs?: number;
  /** Names the trial in messages. @default "0" */
  readonly trialLabel?: string;
  /** Largest accepted frame payload in bytes. @default 256 MiB */
  readonly maxFrameBytes?: number;
  /** Called once when a replica is lost, even while no operation is pending. @default - nothing */
  readonly onLost?: (error: DojoError) => void;
}

/**
 * Connects this replica to the others of its trial over TCP and returns the collective. Rank 0
 * listens and waits until every other rank has said hello (garbage connections are dropped and
 * do not count); the others dial rank 0, retrying until it listens. Resolves on every replica once
 * all are connected; rejects with a 'LOST' DojoError naming the missing ranks when the rendezvous
 * does not fill up in time. A world of one returns the solo collective.
 */
export async function connectCollective(opts: ConnectOptions): Promise<Collective> {
  const { rank, worldSize } = opts;
  if (!Number.isInteger(worldSize) || worldSize < 1) throw usageError(`world size must be a whole number >= 1, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw usageError(`rank must be a whole number from 0 to ${worldSize - 1}, got ${rank}`);
  if (worldSize === 1) {
    opts.server?.close();
    return soloCollective;
  }
  if (endianness() !== 'LE') throw new DojoError('INTERNAL', 'the collective sends typed arrays as little-endian bytes; this host is big-endian');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOST_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw usageError(`the lost-replica timeout must be > 0 ms, got ${timeoutMs}`);
  const settings: Settings = {
    rank,
    worldSize,
    timeoutMs,
    rendezvousTimeoutMs: opts.rendezvousTimeoutMs ?? timeoutMs,
    trialLabel: opts.trialLabel ?? '0',
    maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    master: parseHostPort(opts.peers[0], 'peers[0] (the address of rank 0)'),
  };
  const props = { rank, worldSize, trialLabel: settings.trialLabel, timeoutMs, onLost: opts.onLost };
  if (rank === 0) {
    const server = opts.server ?? (await listen(opts.listenHost ?? defaultListenHost(settings.master.host), opts.listenPort ?? settings.master.port));
    const links = await acceptAll(server, settings);
    return new TcpCollective(props, links, server);
  }
  opts.server?.close();
  const link = await dialRoot(settings);
  return new TcpCollective(props, [link]);
}

interface Settings {
  readonly rank: number;
  readonly worldSize: number;
  readonly timeoutMs: number;
  readonly rendezvousTimeoutMs: number;
  readonly trialLabel: string;
  readonly maxFrameBytes: number;
  readonly master: { host: string; port: number };
}

/** Splits `host:port` (IPv6 as `[::1]:port`), naming `what` in the error. */
export function parseHostPort(addr: string | undefined, what: string): { host: string; port: number } {
  const m = addr === undefined ? null : /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || m[1] === '' || !(port > 0 && port < 65536)) throw usageError(`${what} must be host:port, got "${addr ?? ''}"`);
  return { host: m[1]!, port };
}

function defaultListenHost(host: string): string {
  return host === 'localhost' || host === '::1' || host.startsWith('127.') ? host : '0.0.0.0';
}

/** Connections accepted before rank 0 started the rendezvous on a server made by listen(). */
const early = new WeakMap<Server, Socket[]>();

/**
 * Opens a listening server for rank 0 (port 0 picks a free port). Connections that arrive before
 * connectCollective takes the server over are kept, not lost.
 */
export function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    const pending: Socket[] = [];
    early.set(server, pending);
    server.on('connection', (s: Socket) => {
      if (early.get(server) === pending) pending.push(s);
    });
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new DojoError('UNAVAILABLE', `replica 0 cannot listen on ${host}:${port} for the collective: ${e.code ?? e.message} (is the master port in use?)`)),
    );
    server.listen(port, host, () => resolve(server));
  });
}

/** Rank 0: accepts one hello per other rank; drops garbage and duplicates; sends welcome to all. */
function acceptAll(server: Server, s: Settings): Promise<PeerLink[]> {
  const links: PeerLink[] = new Array<PeerLink>(s.worldSize);
  let joined = 0;
  let done = false;
  return new Promise<PeerLink[]>((resolve, reject) => {
    const finish = (error?: DojoError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        const reject_ = encodeFrame(Op.reject, 0, DTypeCode.bytes, Buffer.from(error.message));
        for (const l of links) {
          if (!l) continue;
          l.send(reject_);
          l.close('flush');
        }
        server.close();
        reject(error);
      } else {
        const welcome = encodeFrame(Op.welcome, 0, DTypeCode.bytes);
        for (const l of links) l?.send(welcome);
        resolve(links);
      }
    };
    const timer = setTimeout(() => {
      const missing = [...Array(s.worldSize).keys()].filter((r) => r > 0 && !links[r]);
      finish(
        new DojoError(
          'LOST',
          `rendezvous of trial ${s.trialLabel} timed out after ${s.rendezvousTimeoutMs / 1000} s: ${joined + 1} of ${s.worldSize} replicas joined ` +
            `(missing rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')}); check that every replica started and can reach ${s.master.host}:${s.master.port}`,
        ),
      );
    }, s.rendezvousTimeoutMs);
    server.on('error', () => undefined); // errors after listen surface as dropped connections
    const onConnection = (socket: Socket): void => {
      // Until it has said a valid hello, a connection must not keep this process alive.
      socket.unref();
      const link = new PeerLink(-1, socket, s.maxFrameBytes);
      const handshake = Math.min(s.timeoutMs, 10_000);
      link
        .receive(handshake, 'no hello')
        .then((frame) => {
          const hello = frame.op === Op.hello ? decodeHello(frame.payload) : undefined;
          const refuse = (why: string): void => {
            link.send(encodeFrame(Op.reject, 0, DTypeCode.bytes, Buffer.from(why)));
            link.close('flush');
          };
          if (!hello) return void link.close('now'); // not one of ours: drop without a word
          if (done) return refuse(`the rendezvous of trial ${s.trialLabel} is already complete`);
          if (hello.label !== s.trialLabel) return refuse(`replica 0 serves trial ${s.trialLabel}, not trial ${hello.label}`);
          if (hello.worldSize !== s.worldSize) return refuse(`world size ${hello.worldSize} does not match replica 0's ${s.worldSize}`);
          if (hello.rank < 1 || hello.rank >= s.worldSize) return refuse(`rank ${hello.rank} is not a rank from 1 to ${s.worldSize - 1}`);
          if (links[hello.rank] && links[hello.rank]!.failure === undefined) return refuse(`rank ${hello.rank} has already joined`);
          socket.ref();
          link.rank = hello.rank;
          links[hello.rank] = link;
          joined = links.filter((l) => l !== undefined).length;
          if (joined === s.worldSize - 1) finish();
        })
        .catch(() => link.close('now')); // garbage, silence or an early close: rejected, nothing else changes
    };
    const before = early.get(server) ?? [];
    early.delete(server);
    server.on('connection', onConnection);
    for (const socket of before) onConnection(socket);
  });
}

/** Other ranks: dials rank 0 until it answers, says hello, waits for welcome. */
async function dialRoot(s: Settings): Promise<PeerLink> {
  const { host, port } = s.master;
  const start = Date.now();
  const deadline = start + s.rendezvousTimeoutMs;
  // Once connected, wait longer than rank 0 waits for the others, so that rank 0's verdict
  // (naming the missing ranks) arrives before this replica gives up on its own.
  const welcomeDeadline = start + Math.round(s.rendezvousTimeoutMs * 1.5);
  let lastError = '';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    let socket: Socket;
    try {
      socket = await dial(host, port, deadline - Date.now());
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
      await sleep(Math.min(50 * 2 ** Math.min(attempt, 4), 500, Math.max(0, deadline - Date.now())));
      continue;
    }
    const link = new PeerLink(0, socket, s.maxFrameBytes);
    link.send(encodeFrame(Op.hello, 0, DTypeCode.bytes, encodeHello(s.rank, s.worldSize, s.trialLabel)));
    let frame;
    try {
      frame = await link.receive(welcomeDeadline - Date.now(), 'no welcome');
    } catch (e) {
      link.close('now');
      lastError = e instanceof Error ? e.message : String(e);
      if (lastError === 'no welcome') {
        throw new DojoError(
          'LOST',
          `rendezvous of trial ${s.trialLabel} timed out after ${(Date.now() - start) / 1000} s: replica 0 at ${host}:${port} accepted replica ${s.rank} but the other replicas did not all join`,
        );
      }
      continue;
    }
    if (frame.op === Op.welcome) return link;
    link.close('now');
    const why = frame.op === Op.reject ? frame.payload.toString('utf8') : `unexpected ${opName(frame.op)} frame`;
    throw new DojoError('LOST', `replica ${s.rank} could not join trial ${s.trialLabel} at ${host}:${port}: ${why}`);
  }
  throw new DojoError(
    'LOST',
    `rendezvous of trial ${s.trialLabel} timed out after ${s.rendezvousTimeoutMs / 1000} s: replica ${s.rank} could not complete the join at replica 0 ${host}:${port}` +
      (lastError ? ` (last error: ${lastError})` : ''),
  );
}

function dial(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('connect timed out'));
    }, Math.max(1, timeoutMs));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(e.code ?? e.message));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
