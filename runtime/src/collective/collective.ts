import type { FloatArray } from '../data/types';

/** Reduction applied by allreduce. */
export type ReduceOp = 'sum' | 'mean';

/**
 * Collective communication among the replicas of one trial (what torch.distributed with gloo did
 * for the book). All calls are made by every replica in the same order; buffers are changed in place.
 */
export interface Collective {
  readonly rank: number;
  readonly worldSize: number;
  /** Replaces buf on every replica by the element-wise sum (or mean) over replicas. */
  allreduce(buf: FloatArray, op: ReduceOp): Promise<void>;
  /** Copies root's buf into every replica's buf. */
  broadcast(buf: FloatArray, root: number): Promise<void>;
  /** Resolves once every replica has reached the barrier. */
  barrier(): Promise<void>;
  close(): Promise<void>;
}

/** The collective of a single process: every operation is the identity. */
export const soloCollective: Collective = {
  rank: 0,
  worldSize: 1,
  async allreduce() {},
  async broadcast() {},
  async barrier() {},
  async close() {},
};
