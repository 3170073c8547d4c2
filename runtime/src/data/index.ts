export * from './types';
export { CSV_HEADER, FEATURE_NAMES, LABEL_NAME, NUM_COLUMNS, NUM_FEATURES, checkHeader } from './schema';
export { parseRowFast, parseRowWide, parseRowExact, parseRowMarked, isBlankLine } from './row-parser';
export { ownerOf, shardPlan, ShardCursor, checkSharding, type RowRange } from './shard';
export { resolveGlob, literalPrefix, localPattern } from './glob';
export { openBatches } from './reader';
export { openObject, type ChunkStream } from './source';
export { s3Client, s3Endpoint, parseS3Url, S3Clients } from './s3';
export { synthesize, partName, partRows, RANGES, haversineMiles, type SynthOptions, type SynthProgress, type SynthResult } from './synth';
