/**
 * Exact, order-independent sums of doubles (issue 10: fitted statistics bit-identical for any number
 * of replicas and any shard assignment).
 *
 * Every finite double is an integer multiple of 2^-1074. Each sum is kept as that integer, in
 * base-2^32 limbs stored in a Float64Array: a value's 53-bit significand, shifted to its bit position,
 * lands in three consecutive limbs as three integers < 2^32, added (or subtracted) exactly. Limbs only
 * ever hold integers below 2^53, so no addition rounds and the state after any sequence of adds
 * depends on the multiset of values only — never on their order or on how they were split between
 * replicas. Carries are propagated every `ADDS_BEFORE_CARRY` limb adds and before the state leaves
 * the process, so an elementwise f64 allreduce of normalised states over W ≤ 2^20 replicas is exact
 * too (every limb < 2^32, W·2^32 ≤ 2^52). `round` turns the exact total into the nearest double (ties
 * to even), the same double on every replica.
 *
 * Most values never touch the limbs: a fast path (below) sums them in two plain doubles per sum,
 * exactly by construction, and moves those into the limbs every 2^12 values.
 */

/** Limb radix: 32-bit limbs, so a 53-bit significand at any shift spans at most 3 limbs. */
const RADIX = 2 ** 32;
/**
 * Limbs per sum. Bit 0 is 2^-1074 and the largest double's top bit is bit 2097; the hot path touches
 * limbs 0..65, and carries of up to 2^53 adds reach bit ~2150: 68 limbs, 70 for margin. The top
 * limb holds the sign (two's complement: it is -1 for a negative total after carrying).
 */
const LIMBS = 70;
/** Per sum, after the limbs: counts of +Infinity, -Infinity and NaN added (IEEE semantics at the end). */
const POS_INF = LIMBS;
const NEG_INF = LIMBS + 1;
const NAN = LIMBS + 2;
/** Doubles of state per sum. */
export const EXACT_SUM_STRIDE = LIMBS + 3;
/** Each add changes a limb by < 2^32; after 2^20 adds on carried limbs (< 2^32) |limb| < 2^53. */
const ADDS_BEFORE_CARRY = 2 ** 20 - 1;
/** Largest world size whose elementwise f64 allreduce of normalised states stays exact. */
export const EXACT_SUM_MAX_REPLICAS = 2 ** 20;

// Scratch for reading a double's bits: one shared buffer, no allocation per value.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
F64[0] = 1;
/** Index of the high (sign, exponent) word: 1 on little-endian platforms. */
const HI = U32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/**
 * Fast path, per sum: a window of magnitudes [2^(L+52), 2^(L+81)) where every double is a multiple
 * of 2^L (its ulp is at least 2^L). Such a v splits exactly into hi = v rounded to a multiple of
 * 2^G, G = L + 41 (add and subtract 1.5·2^(G+52)), and lo = v - hi, |lo| ≤ 2^(L+40). Over at most
 * `FLUSH_EVERY` = 2^12 values |Σhi| < 2^(G+53) and |Σlo| ≤ 2^(L+52), so both plain f64 sums are
 * exact; then they move into the limbs. Three flops and two adds per value instead of the bit
 * surgery of a limb add. Layout `[slots, WIN]`: the two sums of `add`, then the window's constants.
 */
const WIN = 5;
const W_HI = 0;
const W_LO = 1;
/** 1.5·2^(G+52). */
const W_CG = 2;
/** 2^(L+52), the window's lower end. */
const W_LOW = 3;
/** 2^(L+81), the window's upper end (0: no window yet, everything takes the limb path). */
const W_HIGH = 4;
/** Values per fast sum before it moves into the limbs (the bounds above need ≤ 2^12). */
const FLUSH_EVERY = 2 ** 12;
/**
 * The window is placed at a sum's first non-zero value, of binary exponent E: L = E - 64, so the
 * fast path takes values 12 binades smaller to 16 larger (the spread of a feature and of its square).
 */
const WINDOW_BELOW = 64;

/**
 * `slots` independent exact sums. `add` and `addColumn` are the hot paths (no allocation, no
 * BigInt); `state` is the whole accumulator as plain doubles, to be summed elementwise over
 * replicas after `normalize()`.
 */
export class ExactSums {
  /** The state, `[slots, EXACT_SUM_STRIDE]` row-major: limbs (low first), then +Inf, -Inf, NaN counts. */
  readonly state: Float64Array;
  private readonly win: Float64Array;
  /** Values added on the fast path of `add` since its sums last moved into the limbs. */
  private pending = 0;
  /** Limb adds since limbs were last carried. */
  private limbPending = 0;

  /** @param slots number of independent sums */
  constructor(readonly slots: number) {
    this.state = new Float64Array(slots * EXACT_SUM_STRIDE);
    this.win = new Float64Array(slots * WIN);
  }

  /** Adds `v` to sum `slot` exactly. */
  add(slot: number, v: number): void {
    const w = this.win;
    const b = slot * WIN;
    const a = Math.abs(v);
    if (a < w[b + W_HIGH]! && a >= w[b + W_LOW]!) {
      const cg = w[b + W_CG]!;
      const hi = v + cg - cg;
      w[b + W_HI]! += hi;
      w[b + W_LO]! += v - hi;
      if (++this.pending >= FLUSH_EVERY) this.flush();
    } else {
      this.addSlow(slot, v);
    }
  }

  /**
   * Adds the values `x[offset + i·stride]`, i < n (a column of a row-major matrix), to sum `slot` and
   * their squares (each rounded to a double) to sum `squareSlot`, skipping NaN (a missing value).
   * Returns how many values were added. The batch form of `add`, with its sums in registers.
   */
  addColumn(x: ArrayLike<number>, offset: number, stride: number, n: number, slot: number, squareSlot: number): number {
    const w = this.win;
    const b1 = slot * WIN;
    const b2 = squareSlot * WIN;
    let added = 0;
    for (let start = 0; start < n; start += FLUSH_EVERY) {
      const end = Math.min(n, start + FLUSH_EVERY);
      let cg1 = w[b1 + W_CG]!;
      let low1 = w[b1 + W_LOW]!;
      let high1 = w[b1 + W_HIGH]!;
      let cg2 = w[b2 + W_CG]!;
      let low2 = w[b2 + W_LOW]!;
      let high2 = w[b2 + W_HIGH]!;
      let hi1 = 0;
      let lo1 = 0;
      let hi2 = 0;
      let lo2 = 0;
      for (let i = start, j = offset + start * stride; i < end; i++, j += stride) {
        const v = x[j]!;
        if (v !== v) continue;
        added++;
        const a = Math.abs(v);
        if (a < high1 && a >= low1) {
          const h = v + cg1 - cg1;
          hi1 += h;
          lo1 += v - h;
        } else if (v !== 0) {
          this.addSlow(slot, v);
          // The first value places the window: pick it up.
          cg1 = w[b1 + W_CG]!;
          low1 = w[b1 + W_LOW]!;
          high1 = w[b1 + W_HIGH]!;
        }
        const q = v * v;
        if (q < high2 && q >= low2) {
          const h = q + cg2 - cg2;
          hi2 += h;
          lo2 += q - h;
        } else if (q !== 0) {
          this.addSlow(squareSlot, q);
          cg2 = w[b2 + W_CG]!;
          low2 = w[b2 + W_LOW]!;
          high2 = w[b2 + W_HIGH]!;
        }
      }
      if (hi1 !== 0) this.addToLimbs(slot, hi1);
      if (lo1 !== 0) this.addToLimbs(slot, lo1);
      if (hi2 !== 0) this.addToLimbs(squareSlot, hi2);
      if (lo2 !== 0) this.addToLimbs(squareSlot, lo2);
    }
    return added;
  }

  /** Adds every sum of `other` (same slot count) into this one, exactly. */
  addAll(other: ExactSums): void {
    if (other.slots !== this.slots) throw new RangeError(`ExactSums.addAll: ${other.slots} slots, expected ${this.slots}`);
    this.normalize();
    other.normalize();
    const a = this.state;
    const b = other.state;
    for (let j = 0; j < a.length; j++) a[j]! += b[j]!;
    this.normalize();
  }

  /**
   * Moves everything into the limbs and propagates carries so every limb but the top one is in
   * [0, 2^32). Does not change any sum; required before `state` is summed over replicas (the
   * allreduce bound needs limbs < 2^32).
   */
  normalize(): void {
    this.flush();
    const st = this.state;
    for (let b = 0; b < st.length; b += EXACT_SUM_STRIDE) carry(st, b);
    this.limbPending = 0;
  }

  /** Sum `slot` rounded to the nearest double (ties to even); ±Infinity/NaN as IEEE addition would give. */
  round(slot: number): number {
    if (slot < 0 || slot >= this.slots || !Number.isInteger(slot)) throw new RangeError(`ExactSums.round: slot ${slot} outside 0..${this.slots - 1}`);
    this.flush();
    return roundState(this.state, slot * EXACT_SUM_STRIDE);
  }

  /** Values outside the window (or the first of a sum, which places the window): straight into the limbs. */
  private addSlow(slot: number, v: number): void {
    if (v === 0) return;
    const b = slot * WIN;
    if (this.win[b + W_HIGH] === 0 && Number.isFinite(v)) this.placeWindow(b, v);
    this.addToLimbs(slot, v);
  }

  private placeWindow(b: number, v: number): void {
    F64[0] = v;
    const e = Math.max(((U32[HI]! >>> 20) & 0x7ff) - 1023, -1022);
    const l = Math.max(e - WINDOW_BELOW, -1074);
    // The window's constants must be normal doubles: near the top of the range there is no window.
    if (l + 93 > 1023) return;
    const w = this.win;
    w[b + W_CG] = 1.5 * pow2(l + 93);
    w[b + W_LOW] = pow2(l + 52);
    w[b + W_HIGH] = pow2(l + 81);
  }

  /** Moves the fast accumulators into the limbs (both hold exact doubles). */
  private flush(): void {
    const w = this.win;
    for (let slot = 0; slot < this.slots; slot++) {
      const b = slot * WIN;
      const hi = w[b + W_HI]!;
      const lo = w[b + W_LO]!;
      if (hi !== 0) this.addToLimbs(slot, hi);
      if (lo !== 0) this.addToLimbs(slot, lo);
      w[b + W_HI] = 0;
      w[b + W_LO] = 0;
    }
    this.pending = 0;
  }

  /** Adds `v` to the limbs of sum `slot`, exactly (any double). */
  private addToLimbs(slot: number, v: number): void {
    F64[0] = v;
    const hi = U32[HI]!;
    const lo = U32[LO]!;
    let e = (hi >>> 20) & 0x7ff;
    if (e === 0x7ff) {
      this.state[slot * EXACT_SUM_STRIDE + (v !== v ? NAN : v > 0 ? POS_INF : NEG_INF)]! += 1;
      return;
    }
    let m = hi & 0xfffff;
    // Subnormals have no implicit bit and the same scale as e = 1.
    if (e === 0) e = 1;
    else m |= 0x100000;
    // v = ±(m·2^32 + lo) · 2^(p - 1074): its lowest bit is bit p of the fixed-point integer.
    const p = e - 1;
    const s = p & 31;
    const i = slot * EXACT_SUM_STRIDE + (p >>> 5);
    // The 53 bits shifted left by s, cut into 32-bit limbs. Shifting by (32 - s) is done as
    // 1 then (31 - s) because JS shift counts are mod 32 (s = 0 must give 0, not the value).
    const l0 = (lo << s) >>> 0;
    const l1 = (((lo >>> 1) >>> (31 - s)) | (m << s)) >>> 0;
    const l2 = (m >>> 1) >>> (31 - s);
    const sign = 1 - 2 * (hi >>> 31);
    const st = this.state;
    st[i]! += sign * l0;
    st[i + 1]! += sign * l1;
    st[i + 2]! += sign * l2;
    if (++this.limbPending >= ADDS_BEFORE_CARRY) {
      for (let c = 0; c < st.length; c += EXACT_SUM_STRIDE) carry(st, c);
      this.limbPending = 0;
    }
  }
}

/** Carries the limbs of the sum at `base` (exact: power-of-two division, floor and products). */
function carry(st: Float64Array, base: number): void {
  let c = 0;
  const top = base + LIMBS - 1;
  for (let j = base; j < top; j++) {
    const x = st[j]! + c;
    c = Math.floor(x / RADIX);
    st[j] = x - c * RADIX;
  }
  st[top]! += c;
}

// Scratch limbs for rounding (magnitude of a negative total); rounding is not a hot path.
const MAG = new Float64Array(LIMBS);

/** Rounds the sum at `base` of a state (any carry state) to the nearest double. */
function roundState(st: Float64Array, base: number): number {
  const pos = st[base + POS_INF]!;
  const neg = st[base + NEG_INF]!;
  if (st[base + NAN]! > 0 || (pos > 0 && neg > 0)) return NaN;
  if (pos > 0) return Infinity;
  if (neg > 0) return -Infinity;
  for (let j = 0; j < LIMBS; j++) MAG[j] = st[base + j]!;
  carry(MAG, 0);
  let sign = 1;
  if (MAG[LIMBS - 1]! < 0) {
    sign = -1;
    for (let j = 0; j < LIMBS; j++) MAG[j] = -MAG[j]!;
    carry(MAG, 0);
  }
  let t = LIMBS - 1;
  while (t >= 0 && MAG[t] === 0) t--;
  if (t < 0) return 0;
  // Bit position of the leading one, and of the lowest bit a double of that magnitude keeps.
  const msb = 32 * t + 31 - Math.clz32(MAG[t]!);
  const q = Math.max(msb - 52, 0);
  // M = floor(total / 2^q) < 2^53: every partial sum is an integer below 2^53, so exact.
  let m = 0;
  for (let j = t; j >= 0 && 32 * j + 32 > q; j--) {
    const shift = 32 * j - q;
    m += shift >= 0 ? MAG[j]! * pow2(shift) : Math.floor(MAG[j]! / pow2(-shift));
  }
  if (q > 0) {
    const r = q - 1;
    const rl = r >>> 5;
    const rb = r & 31;
    const word = MAG[rl]! >>> 0;
    const half = (word >>> rb) & 1;
    let sticky = (word & ((1 << rb) - 1)) !== 0;
    for (let j = rl - 1; j >= 0 && !sticky; j--) sticky = MAG[j] !== 0;
    if (half === 1 && (sticky || m % 2 === 1)) m += 1;
  }
  return sign * scale(m, q - 1074);
}

/** m · 2^k for an integer m ≤ 2^53 whose product is a double or overflows (exact: no double rounding). */
function scale(m: number, k: number): number {
  if (k >= 1024) return Infinity;
  // Below 2^-1022 the power itself would be subnormal: go through a normal intermediate whose
  // final product is exactly representable (the caller only asks for representable results).
  if (k < -1022) return m * pow2(k + 64) * pow2(-64);
  return m * pow2(k);
}

/** 2^k for -1022 ≤ k ≤ 1023, built from its bits (exact on every engine). */
function pow2(k: number): number {
  F64[0] = 0;
  U32[HI] = (k + 1023) << 20;
  return F64[0];
}
