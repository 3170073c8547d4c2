/**
 * sfc32 (Doty-Humphrey's Small Fast Counting generator, 128-bit state): the one PRNG core behind
 * every seeded choice dojo makes — HPO suggestions, weight initialisation, synthetic data — so that
 * the same seed gives the same numbers on every platform and Node version (Math.random is neither
 * seedable nor specified). Subclasses decide how a seed becomes the four state words and which
 * distributions they draw; the core and its 53-bit doubles live here once.
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Starts from four 32-bit state words (callers expand their seed into them). */
  protected constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits (two draws). */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Advances the state by n draws (decorrelates the first outputs from similar seeds). */
  protected skip(n: number): void {
    for (let i = 0; i < n; i++) this.nextUint32();
  }
}
