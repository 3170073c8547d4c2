import type { Server } from 'node:net';
import { DojoError } from '../../../lib/errors';
import type { FloatArray } from '../data/types';
import type { Collective, ReduceOp } from './collective';
import { copyPayloadInto, encodeAbort, encodeFrame, encodeTensorFrame, DTypeCode, Op, opName, type Frame, type OpCode } from './frame';
import type { PeerLink } from './peer-link';

/** Settings of a connected collective. */
export interface TcpCollectiveProps {
  readonly rank: number;
  readonly worldSize: number;
  /** Names the trial in loss messages (`replica r of trial <label> lost: ...`). */
  readonly trialLabel: string;
  /** A peer silent this long, or an operation not reached by a peer this long, is lost. */
  readonly timeoutMs: number;
  /** Called once when a replica is lost, even while no operation is pending. @default - nothing */
  readonly onLost?: (error: DojoError) => void;
}

/**
 * The star collective: rank 0 is the hub. For an allreduce every other rank sends its buffer to
 * rank 0, which adds the contributions in rank order (((b0 + b1) + b2) + ...), divides by the world
 * size for 'mean', and sends the resulting bytes back, so every replica ends with identical bytes
 * and the result equals a sequential sum. Two message latencies per operation whatever the world
 * size: at these model sizes (100–1,500 parameters) latency, not bandwidth, is the cost.
 *
 * Liveness: every link carries heartbeats; a peer silent for `timeoutMs`, a closed connection, a
 * garbage frame, or a peer that does not reach an operation within `timeoutMs` of rank 0 makes
 * this replica fail with `replica <r> of trial <n> lost: <reason>` (DojoError 'LOST'). Rank 0 tells
 * the others who was lost, so every replica reports the same culprit.
 */
export class TcpCollective implements Collective {
  readonly rank: number;
  readonly worldSize: number;
  private seq = 0;
  private failure: DojoError | undefined;
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly scratch = new Map<string, FloatArray>();
  private readonly ticker: NodeJS.Timeout | undefined;
  private lastTick = Date.now();
  private readonly heartbeatMs: number;

  /**
   * @param links rank 0: the link to every other rank, indexed by rank (index 0 unused); other
   *   ranks: `[linkToRank0]`.
   * @param server rank 0's listening socket, closed with the collective.
   */
  constructor(
    private readonly props: TcpCollectiveProps,
    private readonly links: ReadonlyArray<PeerLink | undefined>,
    private readonly server?: Server,
  ) {
    this.rank = props.rank;
    this.worldSize = props.worldSize;
    this.heartbeatMs = Math.min(5000, Math.max(50, Math.floor(props.timeoutMs / 5)));
    for (const link of this.liveLinks()) {
      // Silence while waiting for the rendezvous to fill up does not count against a peer.
      link.lastSeen = Date.now();
      link.attach({
        onDown: (l, reason) => {
          // A peer that said bye finished normally; it is only lost if an operation still needs it.
          if (!l.orderly && !this.closed) this.fail(l.rank, reason);
        },
        onAbort: (_l, lostRank, reason) => this.fail(lostRank, reason),
      });
    }
    if (this.worldSize > 1) {
      this.ticker = setInterval(() => this.tick(), this.heartbeatMs);
      this.ticker.unref();
    }
  }

  /** The error that ended this collective, if one did. */
  get error(): DojoError | undefined {
    return this.failure;
  }

  allreduce(buf: FloatArray, op: ReduceOp): Promise<void> {
    return this.run(`allreduce`, (seq, what) => (this.rank === 0 ? this.reduceAtRoot(buf, op, seq, what) : this.reduceAtLeaf(buf, seq, what)));
  }

  broadcast(buf: FloatArray, root: number): Promise<void> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      return Promise.reject(new DojoError('INTERNAL', `broadcast root ${root} is not a rank of this world of ${this.worldSize}`));
    }
    return this.run('broadcast', (seq, what) => this.broadcastImpl(buf, root, seq, what));
  }

  barrier(): Promise<void> {
    return this.run('barrier', async (seq, what) => {
      const frame = encodeFrame(Op.barrier, seq, DTypeCode.bytes);
      if (this.rank === 0) {
        const deadline = Date.now() + this.props.timeoutMs;
        for (let r = 1; r < this.worldSize; r++) await this.expect(r, Op.barrier, seq, what, deadline);
        for (let r = 1; r < this.worldSize; r++) this.links[r]!.send(frame);
      } else {
        this.links[0]!.send(frame);
        await this.expect(0, Op.barrier, seq, what, this.leafDeadline());
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const link of this.liveLinks()) link.close(this.failure === undefined ? 'bye' : 'now');
    // Stop listening at once; connections still in their handshake (garbage, latecomers) are unref'd
    // and time out by themselves, so close() does not wait for them.
    this.server?.close();
  }

  /** Runs operations one after another, in call order, each with the next sequence number. */
  private run(name: string, body: (seq: number, what: string) => Promise<void>): Promise<void> {
    const next = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      if (this.closed) throw new DojoError('INTERNAL', `${name} called on a closed collective`);
      const seq = ++this.seq;
      if (this.worldSize === 1) return;
      try {
        await body(seq, `${name} #${seq}`);
      } catch (e) {
        throw this.failure ?? e;
      }
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async reduceAtRoot(buf: FloatArray, op: ReduceOp, seq: number, what: string): Promise<void> {
    const deadline = Date.now() + this.props.timeoutMs;
    const part = this.scratchFor(buf);
    const n = buf.length;
    for (let r = 1; r < this.worldSize; r++) {
      const frame = await this.expect(r, Op.reduce, seq, what, deadline);
      this.copyOrFail(r, frame, part, what);
      for (let i = 0; i < n; i++) buf[i] = buf[i]! + part[i]!;
    }
    if (op === 'mean') {
      const w = this.worldSize;
      for (let i = 0; i < n; i++) buf[i] = buf[i]! / w;
    }
    const result = encodeTensorFrame(Op.result, seq, buf);
    for (let r = 1; r < this.worldSize; r++) this.links[r]!.send(result);
  }

  private async reduceAtLeaf(buf: FloatArray, seq: number, what: string): Promise<void> {
    this.links[0]!.send(encodeTensorFrame(Op.reduce, seq, buf));
    const frame = await this.expect(0, Op.result, seq, what, this.leafDeadline());
    this.copyOrFail(0, frame, buf, what);
  }

  private async broadcastImpl(buf: FloatArray, root: number, seq: number, what: string): Promise<void> {
    if (this.rank === 0) {
      if (root !== 0) this.copyOrFail(root, await this.expect(root, Op.bcast, seq, what, Date.now() + this.props.timeoutMs), buf, what);
      const frame = encodeTensorFrame(Op.bcast, seq, buf);
      for (let r = 1; r < this.worldSize; r++) if (r !== root) this.links[r]!.send(frame);
    } else if (this.rank === root) {
      this.links[0]!.send(encodeTensorFrame(Op.bcast, seq, buf));
    } else {
      this.copyOrFail(0, await this.expect(0, Op.bcast, seq, what, this.leafDeadline()), buf, what);
    }
  }

  /** Waits for peer's frame of this operation; any other frame, a timeout or a loss fails the collective. */
  private async expect(peer: number, op: OpCode, seq: number, what: string, deadline: number): Promise<Frame> {
    const link = this.links[peer]!;
    const seconds = Math.round((deadline - Date.now()) / 100) / 10;
    let frame: Frame;
    try {
      frame = await link.receive(deadline - Date.now(), peer === 0
        ? `no answer to ${what} within ${seconds} s`
        : `did not reach ${what} within ${seconds} s of replica 0 (alive but stuck, or calling different operations)`);
    } catch (e) {
      throw this.fail(peer, e instanceof Error ? e.message : String(e));
    }
    if (frame.op !== op || frame.seq !== seq >>> 0) {
      throw this.fail(peer, `protocol error: expected ${opName(op)} of ${what}, got ${opName(frame.op)} #${frame.seq} (replicas called different collective operations)`);
    }
    return frame;
  }

  private copyOrFail(peer: number, frame: Frame, dst: FloatArray, what: string): void {
    const bad = copyPayloadInto(frame, dst);
    if (bad !== undefined) throw this.fail(peer, `protocol error: for ${what} it ${bad} (replicas disagree on the buffer)`);
  }

  /**
   * A leaf waits for rank 0 longer than rank 0 waits for the others, so that when a third replica
   * is stuck rank 0's verdict (naming that replica) arrives first.
   */
  private leafDeadline(): number {
    return Date.now() + Math.round(this.props.timeoutMs * 1.5);
  }

  private scratchFor(buf: FloatArray): FloatArray {
    const key = `${buf instanceof Float64Array ? 'f64' : 'f32'}:${buf.length}`;
    let s = this.scratch.get(key);
    if (!s) {
      s = buf instanceof Float64Array ? new Float64Array(buf.length) : new Float32Array(buf.length);
      this.scratch.set(key, s);
    }
    return s;
  }

  /** Records the first loss, tells the other replicas (rank 0 only), and drops every connection. */
  private fail(lostRank: number, reason: string): DojoError {
    if (this.failure) return this.failure;
    const error = new DojoError('LOST', `replica ${lostRank} of trial ${this.props.trialLabel} lost: ${reason}`);
    this.failure = error;
    if (this.ticker) clearInterval(this.ticker);
    if (this.rank === 0) {
      const abort = encodeFrame(Op.abort, 0, DTypeCode.bytes, encodeAbort(lostRank, reason));
      // The lost replica hears it too: if it is alive but stuck, it learns it was dropped.
      for (const link of this.liveLinks()) link.send(abort);
    }
    for (const link of this.liveLinks()) link.close('flush');
    this.server?.close();
    this.props.onLost?.(error);
    return error;
  }

  private tick(): void {
    const now = Date.now();
    // If this process itself was blocked (a long compute step), the peers' heartbeats are still
    // unread in the socket buffers: judge them only after the next poll.
    const stalled = now - this.lastTick > 2 * this.heartbeatMs;
    this.lastTick = now;
    for (const link of this.liveLinks()) {
      if (link.failure !== undefined) continue;
      link.heartbeat(this.heartbeatMs, now);
      if (!stalled && now - link.lastSeen > this.props.timeoutMs) {
        this.fail(link.rank, `no message for ${Math.round((now - link.lastSeen) / 100) / 10} s (hung, stopped, or unreachable)`);
        return;
      }
    }
  }

  private liveLinks(): PeerLink[] {
    return this.links.filter((l): l is PeerLink => l !== undefined);
  }
}
