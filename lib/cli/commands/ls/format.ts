import type { DojoConfig, DojoSummary } from '../../../providers/provider';

/** `dojo ls` / `dojo job ls` into a pipe: one id per line in the order given (most recent first), nothing else. */
export function formatIds(dojos: readonly { readonly id: string }[]): string[] {
  return dojos.map((d) => d.id);
}

/** `dojo ls` on a terminal: the local index as a table (no provider is asked, so it stays instant). */
export function formatDojoIndex(dojos: readonly Pick<DojoConfig, 'id' | 'provider' | 'createdAt'>[]): string[] {
  if (dojos.length === 0) return [];
  return table([['ID', 'PROVIDER', 'CREATED'], ...dojos.map((d) => [d.id, d.provider, d.createdAt])]);
}

/** `dojo ls`: one id per line; with long, a table of provider, status, created and cost per hour. */
export function formatDojoList(dojos: readonly DojoSummary[], long: boolean): string[] {
  if (!long) return formatIds(dojos);
  const rows = [['ID', 'PROVIDER', 'STATUS', 'CREATED', 'COST/H'], ...dojos.map((d) => [d.id, d.provider, d.status, d.createdAt, `$${d.costPerHour.toFixed(2)}`])];
  return table(rows);
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
}
