import { Sfc32 } from '../random/sfc32';

/**
 * The HPO service's seeded PRNG (sfc32 from lib/random, seeded through splitmix32) injected into every sampler, so that the
 * same seed and the same history give the same suggestions on every platform and after a restart.
 */
export class Rng extends Sfc32 {
  private spareNormal: number | undefined;

  /** Seeds the generator from any number of 32-bit integers (e.g. study seed and trial number). */
  constructor(...seeds: number[]) {
    let s = 0x9e3779b9;
    const mix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (const seed of seeds) {
      s = (s ^ Math.imul(seed >>> 0, 0x27d4eb2d) ^ Math.floor(seed / 0x100000000)) | 0;
      mix();
    }
    super(mix(), mix(), mix(), mix());
    this.skip(12);
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    return this.nextDouble();
  }

  /** A uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Marsaglia polar method, the spare value is kept). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Draws an index with probability proportional to weights[i] (weights need not be normalised). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** A random 31-bit seed, for studies created without one. */
  static freshSeed(): number {
    return Math.floor(Math.random() * 0x7fffffff);
  }
}
