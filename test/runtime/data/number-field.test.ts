import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalValue, lineEnd, parseFieldFast, parseFieldWide } from '../../../runtime/src/data/number-field';
import { decimalText } from './decimals';

const enc = (s: string): Buffer => Buffer.from(s);

/** One field followed by `,` like a CSV line: [value, end] of the fast, then the wide path, or the exact value. */
function field(text: string): { fast: number; wide: number; value: number } {
  const buf = enc(text + ',\n');
  const out = new Float64Array(3).fill(-1);
  const fast = parseFieldFast(buf, 0, out, 1);
  const wide = parseFieldWide(buf, 0, out, 2);
  return { fast, wide, value: fast >= 0 ? out[1]! : wide >= 0 ? out[2]! : decimalValue(text) };
}

describe('decimal fields', () => {
  it('return the index past the field and its trailing blanks, the delimiter next', () => {
    const buf = enc(' -12.5 \t,7\r\n');
    const out = new Float64Array(2);
    expect(parseFieldFast(buf, 0, out, 0)).toBe(8);
    expect(parseFieldWide(buf, 0, out, 1)).toBe(8);
    expect(Array.from(out)).toEqual([-12.5, -12.5]);
    expect(parseFieldFast(buf, 9, out, 0)).toBe(10);
    expect(lineEnd(buf, 10)).toBe(11);
    expect(lineEnd(enc('1\n'), 1)).toBe(1);
    expect(lineEnd(enc('1 x\n'), 1)).toBe(-1);
  });

  it('fast path: up to 9 significant digits, no exponent; the wide path takes long mantissas and exponents', () => {
    expect(field('123456789')).toMatchObject({ fast: 9, value: 123456789 });
    expect(field('1234567890')).toMatchObject({ fast: -1, wide: 10, value: 1234567890 });
    expect(field('4.5e1')).toMatchObject({ fast: -1, wide: 5, value: 45 });
    expect(field('0.30000000000000004')).toMatchObject({ fast: -1, value: 0.30000000000000004 });
    expect(Object.is(field('-0').value, -0)).toBe(true);
  });

  it('refuse empty, non-decimal, NaN and infinite fields on every path (decimalValue gives NaN)', () => {
    for (const t of ['', '  ', 'abc', 'NaN', 'nan', 'inf', 'Infinity', '-Infinity', '0x10', '1e', '1e400', '.', '-', '1.2.3']) {
      const buf = enc(t + ',\n');
      const out = new Float64Array(1);
      const fast = parseFieldFast(buf, 0, out, 0);
      const wide = parseFieldWide(buf, 0, out, 0);
      // A field parser may stop early (e.g. at the second dot); the row loop then finds no delimiter.
      expect(fast < 0 || buf[fast] !== 44, t).toBe(true);
      expect(wide < 0 || buf[wide] !== 44, t).toBe(true);
      expect(decimalValue(t), t).toBeNaN();
    }
  });

  it('equal Number(text) exactly for decimals of every length, sign and exponent (property)', () => {
    fc.assert(
      fc.property(decimalText, (t) => {
        const got = field(t);
        expect(Object.is(got.value, Number(t))).toBe(true);
        expect(Object.is(decimalValue(` ${t} `), Number(t))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
