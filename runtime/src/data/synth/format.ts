const ZERO = 48;
const MINUS = 45;
const DOT = 46;

/** Writes a non-negative integer below 2^31 at `pos`; returns the position after its digits. */
export function writeUint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 10) {
    buf[pos] = ZERO + v;
    return pos + 1;
  }
  if (v < 100) {
    const q = (v / 10) | 0;
    buf[pos] = ZERO + q;
    buf[pos + 1] = ZERO + v - q * 10;
    return pos + 2;
  }
  let n = 3;
  for (let t = 1000; t <= v && n < 10; t *= 10) n++;
  for (let i = pos + n - 1; i >= pos; i--) {
    const q = (v / 10) | 0;
    buf[i] = ZERO + v - q * 10;
    v = q;
  }
  return pos + n;
}

/**
 * Writes `scaled / pow` (pow = 10^decimals, |scaled| < 2^31) as a decimal without trailing zeros
 * but with at least one fraction digit (`3.25`, `26.0`, `-77.05075`), as the real data's writer
 * did; integer arithmetic only, so the text is exact. Returns the end position.
 */
export function writeDecimal(buf: Uint8Array, pos: number, scaled: number, decimals: number, pow: number): number {
  if (scaled < 0) {
    buf[pos++] = MINUS;
    scaled = -scaled;
  }
  const int = (scaled / pow) | 0;
  let frac = scaled - int * pow;
  pos = writeUint(buf, pos, int);
  buf[pos++] = DOT;
  if (frac === 0) {
    buf[pos] = ZERO;
    return pos + 1;
  }
  let digits = decimals;
  let q = (frac / 10) | 0;
  while (frac === q * 10) {
    frac = q;
    q = (frac / 10) | 0;
    digits--;
  }
  for (let i = pos + digits - 1; i >= pos; i--) {
    q = (frac / 10) | 0;
    buf[i] = ZERO + frac - q * 10;
    frac = q;
  }
  return pos + digits;
}
