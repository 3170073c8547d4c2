// Rank 0 asks the HPO service for the next trial and hands it to the other replicas of its group
// over the collective (its number and params), so they need not ask the service themselves.
import type { Collective } from '../collective/collective';

/** A trial as every replica of a group learns it. */
export interface GroupTrial {
  readonly number: number;
  readonly params: Record<string, unknown>;
  /** The trial's tracking run (rank 0 only: it is the one that tracks). */
  readonly runId?: string;
}

/** What rank 0 asks with: undefined when the study has no trial left. */
export type AskTrial = () => Promise<{ number: number; params: Record<string, unknown>; runId?: string } | undefined>;

const STOP = -1;

/**
 * The group's next trial, or undefined when the study has none left (every replica then stops).
 * Rank 0 calls `ask`; the trial travels as a header [number, bytes] and the params' JSON as bytes.
 */
export async function nextTrial(collective: Collective, ask: AskTrial): Promise<GroupTrial | undefined> {
  const rank0 = collective.rank === 0;
  const header = new Float64Array(2);
  let asked: Awaited<ReturnType<AskTrial>>;
  let json: Uint8Array | undefined;
  if (rank0) {
    asked = await ask();
    json = asked ? new TextEncoder().encode(JSON.stringify(asked.params)) : undefined;
    header[0] = asked ? asked.number : STOP;
    header[1] = json?.length ?? 0;
  }
  if (collective.worldSize > 1) await collective.broadcast(header, 0);
  if (header[0]! < 0) return undefined;
  let params = asked?.params;
  if (collective.worldSize > 1) {
    const bytes = new Float64Array(header[1]!);
    if (json) bytes.set(json);
    await collective.broadcast(bytes, 0);
    if (!rank0) params = JSON.parse(new TextDecoder().decode(Uint8Array.from(bytes))) as Record<string, unknown>;
  }
  return { number: header[0]!, params: { ...params }, ...(asked?.runId ? { runId: asked.runId } : {}) };
}
