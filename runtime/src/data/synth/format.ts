const ZERO = 48;
const MINUS = 45;
const DOT = 46;

/** Writes a non-negative integer's digits at `pos`; returns the position after them. */
export function writeUint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 10) {
    buf[pos] = ZERO + v;
    return pos + 1;
  }
  let n = 0;
  for (let t = v; t > 0; t = Math.floor(t / 10)) n++;
  for (let i = pos + n - 1, t = v; i >= pos; i--, t = Math.floor(t / 10)) buf[i] = ZERO + (t % 10);
  return pos + n;
}

/**
 * Writes `scaled / 10^decimals` as a decimal without trailing zeros but with at least one fraction
 * digit (`3.25`, `26.0`, `-77.05075`), as the real data's writer did; returns the end position.
 */
export function writeDecimal(buf: Uint8Array, pos: number, scaled: number, decimals: number, pow: number): number {
  if (scaled < 0) {
    buf[pos++] = MINUS;
    scaled = -scaled;
  }
  const int = Math.floor(scaled / pow);
  let frac = scaled - int * pow;
  pos = writeUint(buf, pos, int);
  buf[pos++] = DOT;
  if (frac === 0) {
    buf[pos] = ZERO;
    return pos + 1;
  }
  let digits = decimals;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  for (let i = pos + digits - 1; i >= pos; i--, frac = Math.floor(frac / 10)) buf[i] = ZERO + (frac % 10);
  return pos + digits;
}
