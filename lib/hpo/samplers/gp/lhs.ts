import { Rng } from '../../rng';

/**
 * Row `index` of a Latin hypercube design of `size` points in [0, 1)^d, the same design for the
 * same seed: each dimension is cut into `size` equal strata and every stratum holds exactly one
 * point, so the startup trials cover every range of every parameter (uniform draws often leave
 * a third of a dimension unexplored at 10 points). The design is rebuilt on each call from the
 * seed alone, so a restarted service hands out the same rows.
 */
export function lhsRow(seed: number, size: number, d: number, index: number): Float64Array {
  if (!(index >= 0 && index < size)) throw new Error(`lhsRow: index ${index} outside the design of ${size} points`);
  const out = new Float64Array(d);
  const perm = new Uint32Array(size);
  for (let j = 0; j < d; j++) {
    const rng = new Rng(seed, 0x6c6873, j);
    for (let i = 0; i < size; i++) perm[i] = i;
    for (let i = size - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      const t = perm[i]!;
      perm[i] = perm[k]!;
      perm[k] = t;
    }
    // Jitter inside the stratum: draw every row's offset so row `index` does not depend on how many were drawn before it elsewhere.
    let jitter = 0;
    for (let i = 0; i <= index; i++) jitter = rng.next();
    out[j] = (perm[index]! + jitter) / size;
  }
  return out;
}
