import type { RemoveResult } from '../../../providers/provider';

/** What `dojo rm` prints: proof that nothing remains, or what does. */
export function formatRemove(r: RemoveResult): string[] {
  if (r.remaining.length === 0) return [`removed ${r.id}: nothing remains (0 processes, 0 files): 0 billable resources remain`];
  return [`${r.remaining.length} thing(s) of ${r.id} remain:`, ...r.remaining.map((x) => `  ${x}`)];
}
