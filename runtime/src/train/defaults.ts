/** Rows per shard when not given (shard i goes to replica i mod world size); kept light for CLI specs. */
export const DEFAULT_SHARD_SIZE = 1_048_576;
