// Answers of the read routes the web UI asks on every view (a study's runs/search of 200 runs, its
// thinned series, the HPO service's view), kept as the bytes sent, so that an unchanged study's
// later views cost a map lookup instead of the server's one thread rebuilding them one at a time.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One answer as sent, the version of the data it was made from, and its ETag. */
export interface CachedAnswer {
  /** The JSON text, UTF-8. */
  readonly body: Buffer;
  /**
   * What the answer was made from: the store's write generation (TrackingStore.generation()) read
   * before the answer was made, or the ETag the HPO service gave. A different version is a miss.
   */
  readonly version: string;
  /** A strong ETag of the body (its hash). */
  readonly etag: string;
}

/** Options of AnswerCache. */
export interface AnswerCacheOptions {
  /** Most bytes of bodies held; the least recently used go first. @default 32 MiB */
  readonly maxBytes?: number;
  /** Largest body kept; a larger one is answered but not kept. @default maxBytes / 4 */
  readonly maxEntryBytes?: number;
}

/** The ETag of a body: its SHA-1, which a 304 answer compares with what the browser holds. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Answers by request (the caller's key: route and arguments), each valid for one version of the
 * data. Never answers for another version than the one asked with: a write between two reads
 * changes the version, so the second read misses and is made afresh. Bounded in bytes (LRU).
 */
export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private held = 0;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;

  constructor(opts: AnswerCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
    this.maxEntryBytes = opts.maxEntryBytes ?? Math.floor(this.maxBytes / 4);
  }

  /** Bytes of bodies held. */
  get bytes(): number {
    return this.held;
  }

  /** Answers held. */
  get size(): number {
    return this.entries.size;
  }

  /** The answer kept for `key`, whatever its version (to ask its maker whether it changed), or undefined. */
  peek(key: string): CachedAnswer | undefined {
    return this.entries.get(key);
  }

  /** The answer kept for `key` at `version`, or undefined (one of another version is left to be replaced by set()). */
  get(key: string, version: string): CachedAnswer | undefined {
    const e = this.entries.get(key);
    if (!e || e.version !== version) return undefined;
    // Most recently used last: eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** Keeps `text` (or the bytes given) as the answer for `key` at `version`; returns it with its ETag. */
  set(key: string, version: string, text: string | Buffer, etag?: string): CachedAnswer {
    const body = typeof text === 'string' ? Buffer.from(text) : text;
    const answer: CachedAnswer = { body, version, etag: etag ?? etagOf(body) };
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.body.length;
    }
    if (body.length > this.maxEntryBytes) return answer;
    this.entries.set(key, answer);
    this.held += body.length;
    for (const [k, e] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(k);
      this.held -= e.body.length;
    }
    return answer;
  }
}

/**
 * Sends a JSON answer with its ETag; a GET whose If-None-Match names it gets a 304 without the
 * body. `no-cache`: a browser that keeps it asks again every time (it is never used stale).
 */
export function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: CachedAnswer, headers: Readonly<Record<string, string>> = {}): void {
  const all = { 'Content-Type': 'application/json', ETag: answer.etag, 'Cache-Control': 'no-cache', ...headers };
  if ((req.method === 'GET' || req.method === 'HEAD') && req.headers['if-none-match'] === answer.etag) {
    res.writeHead(304, all);
    res.end();
    return;
  }
  res.writeHead(200, { ...all, 'Content-Length': answer.body.length });
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}
