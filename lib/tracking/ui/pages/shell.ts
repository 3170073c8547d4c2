// What every page shares: where it renders, breadcrumbs, and the marks tests and benchmarks wait for.
import { h, type Child } from '../dom/h';

/** A rendered page; `dispose()` stops what it keeps doing (live updates) when another page opens. */
export interface PageHandle {
  dispose(): void;
}

/** Replaces the page's content (absent parts left out). */
export function show(...nodes: (Node | null | undefined | false)[]): void {
  document.getElementById('app')!.replaceChildren(...nodes.filter((n): n is Node => n instanceof Node));
}

/** Breadcrumbs: links, then the current page's name. */
export function crumbs(...parts: Child[]): HTMLElement {
  const out: Child[] = [];
  parts.forEach((p, i) => out.push(i ? ' / ' : null, p));
  return h('nav', { class: 'crumbs', 'aria-label': 'breadcrumbs' }, out);
}

/** A link to a run's page. */
export function runLink(runId: string, text: string): HTMLAnchorElement {
  return h('a', { href: `#/runs/${runId}` }, text);
}

/** Opens a run's page. */
export function openRun(runId: string): void {
  window.location.hash = `#/runs/${runId}`;
}

/** Runs `fn` and records how long it took as the User Timing measure `dojo:<name>` (read by the benchmark). */
export function timed<T>(name: string, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    performance.measure(`dojo:${name}`, { start, end: performance.now() });
  }
}
