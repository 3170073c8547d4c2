/** A run of consecutive rows of one file that a replica reads: local row indices [start, end). */
export interface RowRange {
  /** Index of the file in name order. */
  readonly file: number;
  readonly start: number;
  readonly end: number;
}

/** The replica that reads global row `row`: shard floor(row / shardSize) goes to replica shard mod worldSize. */
export function ownerOf(row: number, shardSize: number, worldSize: number): number {
  return Math.floor(row / shardSize) % worldSize;
}

/**
 * Which rows replica `rank` reads in one pass, given the data rows of each file in name order (the
 * book's ObjectStorageDataset): rows are numbered globally across files, cut into shards of
 * `shardSize` rows, and shard i goes to replica i mod worldSize. Pure; ranges in row order.
 */
export function shardPlan(rowCountsPerFile: readonly number[], shardSize: number, rank: number, worldSize: number): RowRange[] {
  checkSharding(shardSize, rank, worldSize);
  const out: RowRange[] = [];
  let fileStart = 0;
  for (let f = 0; f < rowCountsPerFile.length; f++) {
    const fileEnd = fileStart + rowCountsPerFile[f]!;
    // First shard of ours that may overlap this file, then every worldSize-th shard.
    let shard = Math.floor(fileStart / shardSize);
    shard += (((rank - shard) % worldSize) + worldSize) % worldSize;
    for (; shard * shardSize < fileEnd; shard += worldSize) {
      const s = Math.max(shard * shardSize, fileStart);
      const e = Math.min((shard + 1) * shardSize, fileEnd);
      if (s < e) out.push({ file: f, start: s - fileStart, end: e - fileStart });
    }
    fileStart = fileEnd;
  }
  return out;
}

/** Validates sharding parameters; throws a RangeError naming the bad one. */
export function checkSharding(shardSize: number, rank: number, worldSize: number): void {
  if (!Number.isSafeInteger(shardSize) || shardSize < 1) throw new RangeError(`shard size must be a whole number >= 1, got ${shardSize}`);
  if (!Number.isSafeInteger(worldSize) || worldSize < 1) throw new RangeError(`world size must be a whole number >= 1, got ${worldSize}`);
  if (!Number.isSafeInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`rank must be in [0, ${worldSize - 1}], got ${rank}`);
}

/**
 * The streaming form of shardPlan: walks global rows one by one and says whether the current row is
 * ours, with one division per shard instead of per row. The reader uses it before it knows how
 * many rows each file holds.
 */
export class ShardCursor {
  /** Global index of the current row. */
  row = 0;
  /** Whether the current row is this replica's. */
  owned = false;
  private left = 0;

  constructor(
    readonly shardSize: number,
    readonly rank: number,
    readonly worldSize: number,
  ) {
    checkSharding(shardSize, rank, worldSize);
    this.seek(0);
  }

  /** Moves to global row `row`. */
  seek(row: number): void {
    const shard = Math.floor(row / this.shardSize);
    this.row = row;
    this.owned = shard % this.worldSize === this.rank;
    this.left = (shard + 1) * this.shardSize - row;
  }

  /** Moves to the next row. */
  advance(): void {
    this.row++;
    if (--this.left === 0) this.seek(this.row);
  }

  /** Rows from the current one to the end of its shard (all owned, or all not). */
  get runLeft(): number {
    return this.left;
  }

  /** Moves `n` rows ahead within the current run (n <= runLeft). */
  advanceBy(n: number): void {
    this.row += n;
    this.left -= n;
    if (this.left === 0) this.seek(this.row);
  }
}
