import { DojoError } from '../../errors';
import type { RendezvousResult } from '../api';

export type { RendezvousResult } from '../api';

interface Waiter {
  resolve(r: RendezvousResult): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface Group {
  readonly replicas: number;
  readonly members: string[];
  readonly waiters: Map<Waiter, string>;
  formed: boolean;
  touchedAt: number;
}

/** Options of the rendezvous table. */
export interface RendezvousOptions {
  /** How long a join waits for the others. @default 60000 */
  readonly timeoutMs?: number;
  /** Keys untouched for this long are forgotten. @default 600000 */
  readonly retainMs?: number;
  /** The most keys kept at once; the oldest untouched ones go first. @default 10000 */
  readonly maxKeys?: number;
}

/**
 * Hands out ranks for a key: the first `replicas` distinct addresses to join get ranks 0..R-1
 * in join order, and every join waits until all have joined (or times out). A member joining
 * again with the same address gets the same rank; a key that has formed answers at once.
 */
export class Rendezvous {
  private readonly groups = new Map<string, Group>();
  private readonly timeoutMs: number;
  private readonly retainMs: number;
  private readonly maxKeys: number;

  constructor(opts: RendezvousOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.retainMs = opts.retainMs ?? 600_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Joins `key`; resolves when all `replicas` are in, rejects with LOST (→ 408) on timeout. */
  join(key: string, replicas: number, addr: string, timeoutMs = this.timeoutMs): Promise<RendezvousResult> {
    this.forgetOld();
    let g = this.groups.get(key);
    if (g && g.replicas !== replicas) {
      return Promise.reject(new DojoError('CONFLICT', `rendezvous ${key} expects ${g.replicas} replicas, this member says ${replicas}`));
    }
    if (!g) {
      g = { replicas, members: [], waiters: new Map(), formed: false, touchedAt: Date.now() };
      this.groups.set(key, g);
    }
    g.touchedAt = Date.now();
    let rank = g.members.indexOf(addr);
    if (rank < 0) {
      if (g.formed) return Promise.reject(new DojoError('CONFLICT', `rendezvous ${key} already formed with ${g.replicas} members; ${addr} is not one of them`));
      rank = g.members.push(addr) - 1;
    }
    if (g.members.length === g.replicas) {
      g.formed = true;
      const peers = [...g.members];
      for (const [w, a] of g.waiters) {
        clearTimeout(w.timer);
        w.resolve({ rank: peers.indexOf(a), worldSize: g.replicas, peers });
      }
      g.waiters.clear();
      return Promise.resolve({ rank, worldSize: g.replicas, peers });
    }
    const group = g;
    return new Promise<RendezvousResult>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          group.waiters.delete(w);
          reject(new DojoError('LOST', `rendezvous ${key} timed out after ${timeoutMs} ms: ${group.members.length} of ${group.replicas} replicas joined`));
        }, timeoutMs),
      };
      group.waiters.set(w, addr);
    });
  }

  /** Number of keys held (for the bounded-memory test). */
  get size(): number {
    return this.groups.size;
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [key, g] of this.groups) if (g.waiters.size === 0 && now - g.touchedAt > this.retainMs) this.groups.delete(key);
    if (this.groups.size < this.maxKeys) return;
    const idle = [...this.groups].filter(([, g]) => g.waiters.size === 0).sort((a, b) => a[1].touchedAt - b[1].touchedAt);
    for (const [key] of idle.slice(0, this.groups.size - this.maxKeys + 1)) this.groups.delete(key);
  }

  /** Rejects every waiting join (service shutdown). */
  close(): void {
    for (const g of this.groups.values()) {
      for (const w of g.waiters.keys()) {
        clearTimeout(w.timer);
        w.reject(new DojoError('UNAVAILABLE', 'the HPO service is shutting down'));
      }
      g.waiters.clear();
    }
  }
}
