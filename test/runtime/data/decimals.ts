import fc from 'fast-check';

/**
 * Decimal texts as CSV writers may emit them: optional sign, 1-19 integer digits, an optional
 * fraction of 0-19 digits and an optional exponent up to ±330; only those `Number()` reads as finite.
 */
export const decimalText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^[0-9]{1,19}$/),
    fc.option(fc.stringMatching(/^[0-9]{0,19}$/)),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), fc.integer({ min: 0, max: 330 }))),
  )
  .map(([s, i, f, e]) => `${s}${i}${f === null ? '' : '.' + f}${e === null ? '' : e[0] + e[1] + e[2]}`)
  .filter((t) => Number.isFinite(Number(t)));
