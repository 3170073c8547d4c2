import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXACT_SUM_STRIDE, ExactSums } from '../../../runtime/src/prep/exact-sum';

// Reference arithmetic in BigInt: every finite double is n · 2^-1074 for an integer n.
const view = new DataView(new ArrayBuffer(8));
const bitsOf = (d: number): bigint => {
  view.setFloat64(0, d);
  return view.getBigUint64(0);
};
const fromBits = (b: bigint): number => {
  view.setBigUint64(0, b);
  return view.getFloat64(0);
};

/** The integer n with d = n · 2^-1074 (d finite). */
function units(d: number): bigint {
  const b = bitsOf(d);
  const e = Number((b >> 52n) & 0x7ffn);
  const f = b & ((1n << 52n) - 1n);
  const n = e === 0 ? f : (f | (1n << 52n)) << BigInt(e - 1);
  return b >> 63n ? -n : n;
}

/** The next double towards +Infinity. */
function nextUp(d: number): number {
  if (d === 0) return Number.MIN_VALUE;
  return fromBits(d > 0 ? bitsOf(d) + 1n : bitsOf(d) - 1n);
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
/** Exact sums at or beyond this magnitude round to ±Infinity: MAX_VALUE + half an ulp (a tie, to even). */
const OVERFLOW = ((1n << 1024n) - (1n << 970n)) << 1074n;

/**
 * Whether d is the exact total n · 2^-1074 correctly rounded (to nearest, ties to even), checked from
 * the definition: no neighbour of d is nearer, a tie goes to the even significand, overflow past
 * MAX_VALUE + ulp/2.
 */
function isCorrectlyRounded(n: bigint, d: number): boolean {
  if (!Number.isFinite(d)) return abs(n) >= OVERFLOW && Math.sign(d) === (n < 0n ? -1 : 1);
  if (abs(n) >= OVERFLOW) return false;
  const err = abs(n - units(d));
  for (const nb of [nextUp(d), -nextUp(-d)]) {
    if (!Number.isFinite(nb)) continue;
    const e = abs(n - units(nb));
    if (e < err) return false;
    if (e === err && (bitsOf(d) & 1n) === 1n) return false;
  }
  return true;
}

const exactTotal = (xs: readonly number[]): bigint => xs.reduce((s, x) => s + units(x), 0n);

/** The exact integer a sum holds (its limbs after carrying, as documented on `state`), in units of 2^-1074. */
function held(s: ExactSums, slot: number): bigint {
  s.normalize();
  const limbs = EXACT_SUM_STRIDE - 3;
  let n = 0n;
  for (let j = limbs - 1; j >= 0; j--) n = (n << 32n) + BigInt(s.state[slot * EXACT_SUM_STRIDE + j]!);
  return n;
}

function sumAll(xs: readonly number[], slots = 1, slot = 0): ExactSums {
  const s = new ExactSums(slots);
  for (const x of xs) s.add(slot, x);
  return s;
}

/** Finite doubles of every kind: any bit pattern (huge, tiny, subnormal), DC-taxi-like values, small integers. */
const anyFinite = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double({ min: -1e-300, max: 1e-300, noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }),
  // Clustered like a feature (one window, the fast path), with full 53-bit significands.
  fc.double({ min: 38.8, max: 39, noNaN: true }),
  fc.double({ min: -77.12, max: -76.9, noNaN: true }),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, 1, -0, 2 ** -1022),
);

/** Values with a part label 0..parts-1 and a sort key (the order each part sums in). */
const partitioned = fc
  .integer({ min: 1, max: 5 })
  .chain((parts) => fc.tuple(fc.constant(parts), fc.array(fc.tuple(anyFinite, fc.integer({ min: 0, max: parts - 1 }), fc.double({ noNaN: true })), { maxLength: 120 })));

describe('ExactSums', () => {
  it('equals the correctly rounded exact sum (BigInt reference)', () => {
    fc.assert(
      fc.property(fc.array(anyFinite, { maxLength: 200 }), (xs) => {
        const s = sumAll(xs);
        const got = s.round(0);
        expect(isCorrectlyRounded(exactTotal(xs), got), `sum of [${xs.join(', ')}] = ${got}`).toBe(true);
        expect(held(s, 0)).toBe(exactTotal(xs));
      }),
      { numRuns: 500 },
    );
  });

  it('gives identical bits for any partition into 1..5 parts, each summed in any order, combined by addAll or by an elementwise f64 sum of the states (the allreduce)', () => {
    fc.assert(
      fc.property(partitioned, ([parts, items]) => {
        const all = items.map(([v]) => v);
        const whole = sumAll(all).round(0);
        const shuffled = [...items].sort((a, b) => a[2] - b[2]);
        const pieces = Array.from({ length: parts }, (_, p) => sumAll(shuffled.filter((it) => it[1] === p).map(([v]) => v)));
        // addAll, in reverse part order.
        const merged = new ExactSums(1);
        for (const piece of [...pieces].reverse()) merged.addAll(piece);
        expect(Object.is(merged.round(0), whole)).toBe(true);
        // What fitPrep does: normalise each replica's state, sum the states elementwise in f64, round.
        const reduced = new ExactSums(1);
        for (const piece of pieces) {
          piece.normalize();
          piece.state.forEach((x, j) => (reduced.state[j]! += x));
        }
        expect(Object.is(reduced.round(0), whole)).toBe(true);
        // Equal also to the exact sum (so equal to the plain sum whenever that does not round).
        expect(isCorrectlyRounded(exactTotal(all), whole)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps slots independent', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyFinite, fc.integer({ min: 0, max: 3 })), { maxLength: 100 }), (items) => {
        const s = new ExactSums(4);
        for (const [v, slot] of items) s.add(slot, v);
        for (let slot = 0; slot < 4; slot++) {
          expect(Object.is(s.round(slot), sumAll(items.filter((it) => it[1] === slot).map(([v]) => v)).round(0))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('addColumn adds a strided column and its squares exactly, skipping NaN, in chunks over 4096 rows', () => {
    const cell = fc.oneof(anyFinite, fc.constant(NaN));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(cell, { maxLength: 400 }), fc.boolean(), (stride, flat, f32) => {
        const x = f32 ? Float32Array.from(flat) : Float64Array.from(flat);
        const rows = Math.floor(x.length / stride);
        for (let col = 0; col < Math.min(stride, 2); col++) {
          const s = new ExactSums(3);
          const added = s.addColumn(x, col, stride, rows, 2, 0);
          const column = Array.from({ length: rows }, (_, r) => x[r * stride + col]!).filter((v) => !Number.isNaN(v));
          expect(added).toBe(column.length);
          expect(Object.is(s.round(2), sumAll(column).round(0))).toBe(true);
          expect(Object.is(s.round(0), sumAll(column.map((v) => v * v)).round(0))).toBe(true);
          // (Float32Array turns values beyond its range into ±Infinity: no exact total then.)
          if (column.every(Number.isFinite)) expect(isCorrectlyRounded(exactTotal(column), s.round(2))).toBe(true);
          expect(s.round(1)).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
    // DC-taxi-like columns over many chunks (and a value far outside the first value's window).
    const rows = 3 * 4096 + 17;
    const x = new Float64Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      x[2 * r] = 38.8 + ((r * 7919) % 2000) / 1e4 + 1e-7 * (r % 3);
      x[2 * r + 1] = r % 5 === 0 ? NaN : r === 5001 ? 1e150 : (r % 24) - 12;
    }
    const s = new ExactSums(4);
    expect(s.addColumn(x, 0, 2, rows, 0, 1)).toBe(rows);
    expect(s.addColumn(x, 1, 2, rows, 2, 3)).toBe(rows - Math.ceil(rows / 5));
    const col0 = Array.from({ length: rows }, (_, r) => x[2 * r]!);
    const col1 = Array.from({ length: rows }, (_, r) => x[2 * r + 1]!).filter((v) => !Number.isNaN(v));
    expect(held(s, 0)).toBe(exactTotal(col0));
    expect(held(s, 1)).toBe(exactTotal(col0.map((v) => v * v)));
    expect(held(s, 2)).toBe(exactTotal(col1));
    expect(held(s, 3)).toBe(exactTotal(col1.map((v) => v * v)));
    expect(isCorrectlyRounded(exactTotal(col0), s.round(0))).toBe(true);
  });

  it('stays exact at the edges of the fast window, with the largest fast parts repeated past every flush', () => {
    // The first value 1 places the window [2^-12, 2^17): values split on a 2^-23 grid with 2^-64 steps.
    // Inside, just outside (with bits a wider window would lose), and parts as large as the bounds allow.
    const edge = [
      2 ** 17 - 2 ** -36, 2 ** 17, 2 ** 17 + 2 ** -35, 1.5 * 2 ** 19 + 2 ** -23 + 2 ** -33,
      2 ** -12, 2 ** -12 - 2 ** -65, 2 ** -13 - 2 ** -66,
      2 ** -12 + 2 ** -24 - 2 ** -64, 2 ** -12 + 2 ** -21 + 2 ** -64, 1 + 2 ** -24, 3 * 2 ** -25, 1.1, 0.0123456789,
    ];
    const n = 3 * 4096 + 5;
    for (const sign of [1, -1]) {
      const xs = [1];
      for (let i = 0; i < n; i++) xs.push(sign * edge[i % edge.length]!);
      for (const e of edge) for (let i = 0; i < n; i++) xs.push(sign * e);
      const byAdd = sumAll(xs);
      const byColumn = new ExactSums(2);
      expect(byColumn.addColumn(Float64Array.from(xs), 0, 1, xs.length, 0, 1)).toBe(xs.length);
      // Compared unrounded: an error far below the total's ulp would vanish in the rounding.
      expect(held(byAdd, 0)).toBe(exactTotal(xs));
      expect(held(byColumn, 0)).toBe(exactTotal(xs));
      expect(held(byColumn, 1)).toBe(exactTotal(xs.map((v) => v * v)));
    }
  });

  it('addColumn keeps squares exact at the edges of their window', () => {
    // Squares window [2^-12, 2^17) (placed by 1²). 1.0004706169404² has a low part of 0.99995·2^-24,
    // the largest there is, so 3000 of them push the low sum past 2^-13, where a square just below the
    // window (0.00931² ≈ 1.3·2^-14, bits down to 2^-66) would lose bits; 700.123456² ≈ 2^18.9 is just
    // above it, where 3905 high parts on a 2^-23 grid would pass 2^30 and round. 0.015700956789425²
    // (bits down to 2^-64) is 0.99·2^-21 above a multiple of 2^-20: split on a coarser grid, 3905 of
    // its low parts would pass 2^-11 and round.
    const col = [
      1, ...Array<number>(3000).fill(1.0004706169404), ...Array<number>(1000).fill(0.00931),
      ...Array<number>(4000).fill(700.123456), ...Array<number>(4096).fill(0.015700956789425),
    ];
    const s = new ExactSums(2);
    s.addColumn(Float64Array.from(col), 0, 1, col.length, 0, 1);
    expect(held(s, 0)).toBe(exactTotal(col));
    expect(held(s, 1)).toBe(exactTotal(col.map((v) => v * v)));
  });

  it('rounds to nearest, ties to even, at the edges of the double range', () => {
    const cases: [number[], number][] = [
      [[], 0],
      [[2 ** 53, 1], 2 ** 53], // tie, 2^53 is even
      [[2 ** 53, 1, Number.MIN_VALUE], 2 ** 53 + 2], // just above the tie
      [[2 ** 53 + 2, 1], 2 ** 53 + 4], // tie, 2^53 + 2 is odd
      [[1, 1e-300, -1], 1e-300], // plain f64 addition gives 0
      [[1e308, 1e308, -1e308], 1e308], // plain f64 addition overflows
      [[Number.MIN_VALUE, Number.MIN_VALUE], 2 * Number.MIN_VALUE],
      [[Number.MAX_VALUE, 2 ** 970], Infinity], // MAX + ulp/2: a tie, MAX is odd
      [[Number.MAX_VALUE, 2 ** 970, -Number.MIN_VALUE], Number.MAX_VALUE],
      [[-Number.MAX_VALUE, -(2 ** 970)], -Infinity],
      [[0.1, 0.2, -0.3], 2.7755575615628914e-17],
      [[Infinity, 1], Infinity],
      [[-Infinity, 1], -Infinity],
      [[Infinity, -Infinity], NaN],
      [[NaN, 1], NaN],
    ];
    for (const [xs, want] of cases) expect(sumAll(xs).round(0), `[${xs.join(', ')}]`).toBe(want);
  });

  it('stays exact over millions of adds (carries) and many huge values', () => {
    const n = 3 * 2 ** 20 + 7;
    const s = new ExactSums(3);
    for (let i = 0; i < n; i++) {
      s.add(0, Number.MAX_VALUE);
      s.add(1, i % 2 ? Number.MAX_VALUE : -Number.MAX_VALUE);
      s.add(2, 0.1);
    }
    expect(s.round(0)).toBe(Infinity);
    expect(s.round(1)).toBe(-Number.MAX_VALUE);
    expect(isCorrectlyRounded(units(0.1) * BigInt(n), s.round(2))).toBe(true);
    // The largest limbs after carrying are < 2^32, so many replicas' states add exactly.
    s.normalize();
    expect(s.state.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 32)).toBe(true);
    const world = 1000;
    const reduced = new ExactSums(3);
    for (let r = 0; r < world; r++) s.state.forEach((x, j) => (reduced.state[j]! += x));
    expect(isCorrectlyRounded(units(0.1) * BigInt(n * world), reduced.round(2))).toBe(true);
    expect(reduced.state.length).toBe(3 * EXACT_SUM_STRIDE);
  });

  it('refuses a slot outside the accumulator', () => {
    expect(() => new ExactSums(2).round(2)).toThrow(/slot 2 outside 0..1/);
  });
});
