import type { Socket } from 'node:net';
import { decodeAbort, encodeFrame, FrameDecoder, Op, DTypeCode, type Frame } from './frame';

const GONE = 'the process exited, was killed, or the network dropped';

/** What a link reports to its owner. */
export interface PeerLinkEvents {
  /** The link can no longer be used: the peer died, disconnected, or sent garbage. Called once. */
  onDown(link: PeerLink, reason: string): void;
  /** The peer says a replica was lost and everyone must stop. */
  onAbort(link: PeerLink, lostRank: number, reason: string): void;
}

/**
 * One TCP connection to another replica: reassembles frames, queues them until an operation asks
 * for them, records when the peer was last heard from (heartbeats included), and turns a close,
 * an error or a garbage frame into exactly one `onDown` — never an exception in the receiver.
 */
export class PeerLink {
  /** Date.now() of the last byte received. */
  lastSeen = Date.now();
  /** Date.now() of the last frame sent. */
  lastSent = Date.now();
  private readonly decoder: FrameDecoder;
  private readonly inbox: Frame[] = [];
  private waiter: { resolve(f: Frame): void; reject(e: Error): void; timer: NodeJS.Timeout | undefined } | undefined;
  private downReason: string | undefined;
  private byeReceived = false;
  private events: PeerLinkEvents | undefined;
  private pendingAbort: { lostRank: number; reason: string } | undefined;

  constructor(
    /** The rank of the replica at the other end (messages name it). */
    public rank: number,
    readonly socket: Socket,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      this.down(
        e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ECONNABORTED'
          ? `connection closed (${e.code}: ${GONE})`
          : `connection error: ${e.code ?? e.message}`,
      ),
    );
    socket.on('close', () => this.down(this.byeReceived ? 'it left the trial (closed its collective; its own output says why)' : `connection closed (${GONE})`));
  }

  /** Starts reporting to `events` (frames arriving before are queued, a loss before is reported now). */
  attach(events: PeerLinkEvents): void {
    this.events = events;
    if (this.pendingAbort) events.onAbort(this, this.pendingAbort.lostRank, this.pendingAbort.reason);
    if (this.downReason !== undefined) events.onDown(this, this.downReason);
  }

  /** Why the link is down, or undefined while it is usable. */
  get failure(): string | undefined {
    return this.downReason;
  }

  /** True when the peer said bye before disconnecting (it finished; not a loss by itself). */
  get orderly(): boolean {
    return this.byeReceived;
  }

  /** Sends an encoded frame; a failed write shows up as onDown through the socket's error event. */
  send(frame: Buffer): void {
    if (this.downReason !== undefined) return;
    this.lastSent = Date.now();
    this.socket.write(frame);
  }

  /** Sends a heartbeat if nothing was sent for `idleMs`. */
  heartbeat(idleMs: number, now: number): void {
    if (now - this.lastSent >= idleMs) this.send(encodeFrame(Op.heartbeat, 0, DTypeCode.bytes));
  }

  /**
   * The next frame from this peer (heartbeats excluded). Rejects with `Error(reason)` when the link
   * goes down or nothing arrives within timeoutMs (the message is then `timeoutText`).
   */
  receive(timeoutMs: number, timeoutText: string): Promise<Frame> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.downReason !== undefined) return Promise.reject(new Error(this.downReason));
    if (this.waiter) return Promise.reject(new Error('internal: two receives at once on one link'));
    return new Promise<Frame>((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : setTimeout(() => {
              // Timers run before the poll for I/O: if this process itself was stalled past the
              // deadline (a loaded machine), the frame may be sitting unread in the socket. Judge
              // after the next poll (setImmediate runs after it), when it has been read.
              setImmediate(() => {
                if (this.waiter !== waiter) return;
                this.waiter = undefined;
                reject(new Error(timeoutText));
              });
            }, Math.max(0, timeoutMs));
      // The socket keeps the process alive while an answer can still come; the timer need not.
      timer?.unref();
      const waiter = { resolve, reject, timer };
      this.waiter = waiter;
    });
  }

  /**
   * Ends the connection from this side. 'bye': the peer learns we finished (not a loss); 'flush':
   * frames already queued (an abort) are still delivered; 'now': drop everything.
   */
  close(mode: 'bye' | 'flush' | 'now'): void {
    const usable = this.downReason === undefined;
    if (usable && mode === 'bye') this.send(encodeFrame(Op.bye, 0, DTypeCode.bytes));
    this.downReason ??= 'closed by this replica';
    if (usable && mode !== 'now') {
      this.socket.end();
      // A peer that never reads must not keep this process alive.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    } else {
      this.socket.destroy();
    }
    this.rejectWaiter(this.downReason);
  }

  private onData(chunk: Buffer): void {
    this.lastSeen = Date.now();
    const frames = this.decoder.push(chunk);
    if (this.decoder.error !== undefined) {
      this.down(`protocol error: ${this.decoder.error}`);
      return;
    }
    for (const f of frames) {
      if (f.op === Op.heartbeat) continue;
      if (f.op === Op.bye) {
        this.byeReceived = true;
        continue;
      }
      if (f.op === Op.abort) {
        const { lostRank, reason } = decodeAbort(f.payload);
        if (this.events) this.events.onAbort(this, lostRank, reason);
        else this.pendingAbort ??= { lostRank, reason }; // arrived with the welcome, before attach
        continue;
      }
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        if (w.timer) clearTimeout(w.timer);
        w.resolve(f);
      } else {
        this.inbox.push(f);
      }
    }
  }

  private down(reason: string): void {
    if (this.downReason !== undefined) return;
    this.downReason = reason;
    this.socket.destroy();
    this.rejectWaiter(reason);
    this.events?.onDown(this, reason);
  }

  private rejectWaiter(reason: string): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    if (w.timer) clearTimeout(w.timer);
    w.reject(new Error(reason));
  }
}
