import type { FloatArray } from '../data/types';

/**
 * `torch.nn.utils.clip_grad_norm_` over one flat gradient array: the global L2 norm, and when
 * maxNorm/(norm + 1e-6) < 1 every gradient is scaled by that factor. Returns the norm before clipping.
 */
export function clipGradNorm(g: FloatArray, maxNorm: number): number {
  let ss = 0;
  for (let k = 0; k < g.length; k++) ss += g[k] * g[k];
  const norm = Math.sqrt(ss);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let k = 0; k < g.length; k++) g[k] *= coef;
  return norm;
}
