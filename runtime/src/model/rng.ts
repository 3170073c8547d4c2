import { Sfc32 } from '../../../lib/random/sfc32';

/**
 * The weight initialiser's seeded PRNG (sfc32 from lib/random, seeded through splitmix32): deterministic across platforms, so the same
 * seed gives bit-identical initial weights everywhere. It does not reproduce PyTorch's Mersenne
 * Twister stream; only the distributions match.
 */
export class Rng extends Sfc32 {
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    super(next(), next(), next(), next());
    this.skip(12);
  }

  /** A uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextDouble();
  }

  /** A standard normal deviate (Box-Muller; one of the pair is dropped to keep the stream simple). */
  normal(): number {
    const u = 1 - this.nextDouble();
    const v = this.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
