// Requests a page's boot script (boot.ts, inline in the HTML) started before app.js ran, left for
// the page that app.js then opens. The two scripts are separate bundles: they meet on the window.

/** Where the boot script leaves its wave (one page load, one wave). */
const SLOT = '__dojoBootWave';

type Slot = { [SLOT]?: { readonly key: string; readonly wave: unknown } };

/** Leaves the wave of requests started for the page named `key` (the boot script's side). */
export function leaveWave(key: string, wave: unknown): void {
  (globalThis as Slot)[SLOT] = { key, wave };
}

/** The wave left for the page named `key`, taken once (a later view starts its own), or undefined. */
export function takeWave<T>(key: string): T | undefined {
  const g = globalThis as Slot;
  const left = g[SLOT];
  if (left?.key !== key) return undefined;
  delete g[SLOT];
  return left.wave as T;
}

/** Drops a wave no page took (the browser moved on to another page first). */
export function dropWave(): void {
  delete (globalThis as Slot)[SLOT];
}
