import { Sfc32 } from '../../../../lib/random/sfc32';

/** Mixes a 32-bit value (splitmix32 finaliser): derives independent seeds from (seed, part). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * The synthetic-data generator's seeded PRNG (sfc32 from lib/random) with (seed, stream) seeding,
 * so that every part file has its own reproducible stream.
 */
export class Rng extends Sfc32 {
  private spare = NaN;

  constructor(seed: number, stream = 0) {
    const a = mix32(seed);
    const b = mix32(a ^ stream);
    super(a, b, mix32(b + 0x632be5ab), 1);
    this.skip(16);
  }

  /** A uniform double in [0, 1) with 32 random bits (one draw: the generator's hot path). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A standard normal deviate (Box–Muller, both values used). */
  normal(): number {
    if (this.spare === this.spare) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An index drawn from cumulative weights (last entry = total). */
  pick(cumulative: Float64Array): number {
    const u = this.next() * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (i < cumulative.length - 1 && u >= cumulative[i]!) i++;
    return i;
  }
}

/** Cumulative sums of weights, for Rng.pick. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => (out[i] = s += w));
  return out;
}
