import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBlankLine, parseRowExact, parseRowFast, parseRowWide } from '../../../runtime/src/data';
import { decimalText } from './decimals';

const enc = (s: string): Buffer => Buffer.from(s);

/** Parses one line like the reader: fast path, then wide path, then exact path; returns values or the problem. */
function parse(line: string): number[] | string {
  const buf = enc(line + '\n');
  const x = new Float64Array(8);
  const y = new Float64Array(1);
  if (parseRowFast(buf, 0, x, y, 0) === buf.length - 1) return [y[0]!, ...x];
  if (parseRowWide(buf, 0, x, y, 0) === buf.length - 1) return [y[0]!, ...x];
  const out = new Float64Array(9);
  return parseRowExact(buf, 0, buf.length - 1, out) ?? Array.from(out);
}

const nine = (v: string): string => Array(9).fill(v).join(',');

describe('parseRowFast', () => {
  it('parses a real-looking row and returns the index of its LF', () => {
    const line = '25.94,38.905261,-77.050758,38.839716,-76.99845,2018,2,1,16\n';
    const x = new Float64Array(16);
    const y = new Float64Array(2);
    expect(parseRowFast(enc(line), 0, x, y, 1)).toBe(line.length - 1);
    expect(y[1]).toBe(25.94);
    expect(Array.from(x.subarray(8))).toEqual([38.905261, -77.050758, 38.839716, -76.99845, 2018, 2, 1, 16]);
  });

  it('handles CRLF, blanks around fields, signs and bare fractions on the fast path', () => {
    const line = ' 1 ,\t+2,-3 , 4.5,0.0000001, .5,6.,123456789 , -0\r\n';
    const x = new Float64Array(8);
    const y = new Float64Array(1);
    expect(parseRowFast(enc(line), 0, x, y, 0)).toBe(line.length - 1);
    expect([y[0], ...x]).toEqual([1, 2, -3, 4.5, 1e-7, 0.5, 6, 123456789, -0]);
    expect(Object.is(x[7], -0)).toBe(true);
  });

  it('leaves 10+ significant digits and exponents to the wide path, which takes them', () => {
    for (const v of ['1234567890', '38.9052610001', '0.000000001', '4.5e1', '5E-1', '7e+0', '9007199254740991']) {
      const buf = enc(nine(v) + '\n');
      const x = new Float64Array(8);
      const y = new Float64Array(1);
      expect(parseRowFast(buf, 0, x, y, 0)).toBe(-1);
      expect(parseRowWide(buf, 0, x, y, 0)).toBe(buf.length - 1);
      expect([y[0], ...x]).toEqual(Array(9).fill(Number(v)));
    }
  });

  it('gives up (-1) on both paths for forms only the exact path takes or rejects', () => {
    for (const line of [nine('1').replace(/,1$/, ',12345678901234567890'), nine('1e-400'), nine('1e30'), '', '   ', nine('x'), nine('1e')]) {
      const buf = enc(line + '\n');
      expect(parseRowFast(buf, 0, new Float64Array(8), new Float64Array(1), 0)).toBe(-1);
      expect(parseRowWide(buf, 0, new Float64Array(8), new Float64Array(1), 0)).toBe(-1);
    }
  });

  it('equals Number(text) exactly for decimals of every length, sign and exponent (property)', () => {
    fc.assert(
      fc.property(fc.array(decimalText, { minLength: 9, maxLength: 9 }), (fields) => {
        const got = parse(fields.join(','));
        expect(got).toEqual(fields.map(Number));
        (got as number[]).forEach((v, k) => expect(Object.is(v, Number(fields[k]))).toBe(true));
      }),
      { numRuns: 2000 },
    );
  });

  it('is exact for doubles printed the JavaScript way, incl. 17-digit ones (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 9, maxLength: 9 }), (vals) => {
        const texts = vals.map(String);
        const got = parse(texts.join(','));
        (got as number[]).forEach((v, k) => expect(Object.is(v, Number(texts[k]))).toBe(true));
      }),
      { numRuns: 1000 },
    );
  });

  it('is exact for coordinate-like decimals with 6 places (the common case, fast path)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -180_000_000, max: 180_000_000 }), (micro) => {
        const t = (micro / 1e6).toFixed(6);
        const buf = enc(nine(t) + '\n');
        const x = new Float64Array(8);
        const y = new Float64Array(1);
        expect(parseRowFast(buf, 0, x, y, 0)).toBe(buf.length - 1);
        expect(Object.is(y[0], Number(t))).toBe(true);
        expect(Object.is(x[7], Number(t))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseRowExact', () => {
  it('names the column and quotes the text of a bad field', () => {
    expect(parse('1,2,3,4,5,6,7,8,x')).toBe('column hour_integer: "x" is not a number');
    expect(parse('abc,2,3,4,5,6,7,8,9')).toBe('column fareamount_double: "abc" is not a number');
    expect(parse('1,2,3,4,5,6,7,,9')).toBe('column dow_integer: "" is not a number');
    expect(parse('1,NaN,3,4,5,6,7,8,9')).toBe('column origin_block_latitude_double: "NaN" is not a number');
    expect(parse('1,2,Infinity,4,5,6,7,8,9')).toBe('column origin_block_longitude_double: "Infinity" is not a number');
    expect(parse('1,2,3,-Infinity,5,6,7,8,9')).toBe('column destination_block_latitude_double: "-Infinity" is not a number');
    expect(parse('1,2,3,4,0x10,6,7,8,9')).toBe('column destination_block_longitude_double: "0x10" is not a number');
    expect(parse('1,2,3,4,5,1e400,7,8,9')).toBe('column year_integer: "1e400" is not a number');
    expect(parse('1,2,3,4,5,6,1e,8,9')).toBe('column month_integer: "1e" is not a number');
  });

  it('reports a wrong column count', () => {
    expect(parse('1,2,3,4,5,6,7,8')).toBe('expected 9 columns, found 8');
    expect(parse('1,2,3,4,5,6,7,8,9,10')).toBe('expected 9 columns, found 10');
  });

  it('takes the rare forms the fast path leaves: long mantissas and large exponents', () => {
    expect(parse(nine('0.30000000000000004'))).toEqual(Array(9).fill(0.30000000000000004));
    expect(parse(nine('1.5e-300'))).toEqual(Array(9).fill(1.5e-300));
  });
});

describe('isBlankLine', () => {
  it('treats spaces, tabs and CR as blank and anything else as content', () => {
    expect(isBlankLine(enc(' \t\r'), 0, 3)).toBe(true);
    expect(isBlankLine(enc(''), 0, 0)).toBe(true);
    expect(isBlankLine(enc(' 1'), 0, 2)).toBe(false);
  });
});
