// A process's parsed datasets, kept across the runs it makes (a worker's trials) within a memory
// budget. An object its owner makes and passes on: nothing here is module state.
import { DojoError } from '../../../lib/errors';
import { formatMB } from './budget';
import { resolveGlob } from './glob';
import { loadRows, type InMemoryRows, type LoadOptions } from './memory';
import type { ObjectRef } from './types';

/** A dataset as the cache answers for it. */
export interface CachedDataset {
  /** The rows in memory; undefined when they are streamed (past the budget, or unreadable: the stream says why). */
  readonly rows?: InMemoryRows;
  /**
   * Names the data, its content (objects and their versions) and how it is read: equal identities,
   * equal rows. Undefined when the content could not be pinned down (listing failed, or it changed
   * while being read).
   */
  readonly identity?: string;
}

interface Entry {
  readonly version: string;
  readonly rows?: InMemoryRows;
  /** A value derived from a dataset's rows (see derive), and that dataset's key. */
  readonly derived?: { readonly value: unknown; readonly parent: string };
  /** Bytes charged to the budget. */
  readonly bytes: number;
  /** The trial (generation) that last used it: entries of the current one are never evicted. */
  used: number;
}

/** Options of DatasetCache. */
export interface DatasetCacheOptions {
  /** Bytes of parsed rows kept at most; 0 keeps nothing (every read streams). */
  readonly budgetBytes: number;
  /** One line per event worth a log: data that does not fit, data that changed. */
  readonly log: (line: string) => void;
  /** Rows per chunk (tests use small ones). @default CHUNK_ROWS */
  readonly chunkRows?: number;
}

/**
 * Keeps each replica shard of each dataset parsed in memory, keyed by how it is read (glob, rank,
 * world size, shard size, bad-row policy) and checked against the objects' versions (size and mtime
 * for files, ETag for S3) on every use, so changed data is read again. Loading charges the budget
 * chunk by chunk; when a dataset does not fit, least recently used datasets of earlier trials are
 * evicted, and if it still does not fit it is streamed (said once, until its data changes).
 */
export class DatasetCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;
  private generation = 0;
  /** Times each derived value was asked for (see wanted), by its key. */
  private readonly asked = new Map<string, number>();

  constructor(private readonly o: DatasetCacheOptions) {}

  /** Bytes of rows held now. */
  get bytes(): number {
    return this.held;
  }

  /** The budget this cache keeps within. */
  get budgetBytes(): number {
    return this.o.budgetBytes;
  }

  /** Marks the start of another trial: datasets used only by earlier ones may now be evicted. */
  nextTrial(): void {
    this.generation++;
  }

  /**
   * The dataset of `spec` for this replica: from memory when kept (loading it the first time), else
   * `rows` is undefined and the caller streams. Never throws for the data itself: a missing object
   * or a bad row is left to the stream, which reports it as it always does.
   */
  async get(spec: LoadOptions, signal?: AbortSignal): Promise<CachedDataset> {
    const key = JSON.stringify([spec.glob, spec.rank, spec.worldSize, spec.shardSize, spec.onBadRow, spec.s3Endpoint ?? null]);
    let objects: ObjectRef[];
    try {
      objects = await resolveGlob(spec.glob, { s3Endpoint: spec.s3Endpoint, s3: spec.s3 });
    } catch {
      return {};
    }
    const version = versionOf(objects);
    const identity = `${key}\n${version}`;
    const old = this.entries.get(key);
    if (old?.version === version) {
      old.used = this.generation;
      return { rows: old.rows, identity };
    }
    if (old) {
      this.drop(key);
      this.o.log(`data cache: ${spec.glob} changed since it was read; reading it again`);
    }
    if (this.o.budgetBytes <= 0) {
      this.entries.set(key, { version, bytes: 0, used: this.generation });
      return { identity };
    }
    const rows = await this.load(spec, key, signal);
    if (rows === 'error') return { identity };
    // A write during the load would leave rows of two versions: keep them only if nothing changed.
    const after = await resolveGlob(spec.glob, { s3Endpoint: spec.s3Endpoint, s3: spec.s3 }).catch(() => []);
    if (versionOf(after) !== version) {
      this.o.log(`data cache: ${spec.glob} changed while it was read; streaming it this trial`);
      return {};
    }
    if (!rows) {
      const need = objects.reduce((a, b) => a + b.size, 0) / spec.worldSize;
      this.o.log(
        `data cache: ${spec.glob} (replica ${spec.rank} of ${spec.worldSize}, about ${formatMB(need)} of CSV) does not fit the ` +
          `memory budget of ${formatMB(this.o.budgetBytes)} (DOJO_DATA_MEMORY); it is streamed from storage every trial`,
      );
    } else {
      this.held += rows.bytes;
    }
    this.entries.set(key, { version, rows, bytes: rows?.bytes ?? 0, used: this.generation });
    return { rows, identity };
  }

  /**
   * Counts one more want of the value `what` derived from the dataset with `identity` and says how
   * many trials wanted it before (a caller derives only what is wanted again, when that pays).
   */
  wanted(identity: string, what: string): number {
    const key = `${identity}\n${what}`;
    const n = this.asked.get(key) ?? 0;
    this.asked.set(key, n + 1);
    return n;
  }

  /**
   * A value computed from the rows of the dataset with `identity` (e.g. their prepared form), kept
   * under the same budget and evicted like a dataset (and with it); `build` reserves what it needs
   * and returns undefined when refused, and then nothing is kept.
   */
  async derive<T extends { readonly bytes: number }>(identity: string, what: string, build: (reserve: (bytes: number) => boolean) => Promise<T | undefined>): Promise<T | undefined> {
    const key = `${identity}\n${what}`;
    const old = this.entries.get(key);
    if (old?.derived) {
      old.used = this.generation;
      return old.derived.value as T;
    }
    let reserved = 0;
    const value = await build((bytes) => {
      while (this.held + reserved + bytes > this.o.budgetBytes) {
        if (!this.evictOne(key)) return false;
      }
      reserved += bytes;
      return true;
    });
    // The dataset itself may have been evicted meanwhile: then its derived value is not kept either.
    const parent = identity.slice(0, identity.indexOf('\n'));
    if (!value || !this.entries.get(parent)?.rows) return value;
    this.held += value.bytes;
    this.entries.set(key, { version: '', derived: { value, parent }, bytes: value.bytes, used: this.generation });
    return value;
  }

  /** Parses the dataset within the budget; undefined past it, 'error' when the stream must report a problem. */
  private async load(spec: LoadOptions, key: string, signal?: AbortSignal): Promise<InMemoryRows | undefined | 'error'> {
    let reserved = 0;
    const reserve = (bytes: number): boolean => {
      while (this.held + reserved + bytes > this.o.budgetBytes) {
        if (!this.evictOne(key)) return false;
      }
      reserved += bytes;
      return true;
    };
    try {
      return await loadRows(spec, reserve, signal, this.o.chunkRows);
    } catch (e) {
      if (signal?.aborted) throw e;
      // Bad data, a missing object, an unreachable store: the streaming path meets it and says so.
      if (!(e instanceof DojoError)) throw e;
      return 'error';
    }
  }

  /** Evicts the least recently used dataset not used by the current trial; false when there is none. */
  private evictOne(except: string): boolean {
    let victim: string | undefined;
    let oldest = Infinity;
    for (const [k, e] of this.entries) {
      if (k !== except && e.bytes > 0 && e.used < this.generation && e.used < oldest) {
        oldest = e.used;
        victim = k;
      }
    }
    if (victim === undefined) return false;
    this.drop(victim);
    return true;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.held -= e.bytes;
    this.entries.delete(key);
    // What was derived from a dataset goes with it.
    if (e.rows) for (const [k, d] of this.entries) if (d.derived?.parent === key) this.drop(k);
  }
}

function versionOf(objects: readonly ObjectRef[]): string {
  return objects.map((o) => `${o.name}\u0000${o.version}`).join('\n');
}
