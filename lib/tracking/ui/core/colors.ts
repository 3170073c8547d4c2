// Colours of the views (pure).
import type { TrialState } from './study';

/** The colour of each trial state, the same on every view and in the legend. */
export const STATE_COLORS: Readonly<Record<TrialState, string>> = {
  complete: '#2563eb',
  pruned: '#d97706',
  failed: '#dc2626',
  running: '#16a34a',
};

// Viridis at nine stops (matplotlib's), enough for a smooth interpolation.
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

const VIRIDIS_RGB = VIRIDIS.map(rgb);

/** Viridis at t in [0, 1] (clamped), as red, green and blue from 0 to 255. */
export function viridisRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS_RGB[i]!;
  const b = VIRIDIS_RGB[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Viridis at t in [0, 1] (clamped), as `rgb(r, g, b)`. */
export function viridis(t: number): string {
  return `rgb(${viridisRgb(t).join(', ')})`;
}
