import type { Pruner } from '../types';

/** Never prunes: every trial runs to the end. */
export class NopPruner implements Pruner {
  readonly name = 'none';
  /** Always false. */
  shouldPrune(): boolean {
    return false;
  }
}
