import type { FloatArray } from '../data/types';

/** An optimizer updating one flat parameter array from one flat gradient array, in place. */
export interface Optimizer {
  readonly name: 'AdamW' | 'SGD';
  /** Steps taken so far. */
  readonly steps: number;
  step(params: FloatArray, grads: FloatArray): void;
}
