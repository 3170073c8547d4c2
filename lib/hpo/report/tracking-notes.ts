import type { Run, TrackingClient } from '../../tracking';
import { TAG } from '../tracking/tags';
import type { TrialNote } from './html';

/** The tag a worker writes on a failed trial's run, and the tag or param naming a trial's sampler. */
export const NOTE_KEYS = { reason: 'dojo.failure_reason', sampler: 'dojo.sampler' } as const;

/** The note of one trial run: its failure reason and sampler, where tracking has them. */
export function noteOf(run: Run): TrialNote {
  const tag = (k: string) => run.data.tags?.find((t) => t.key === k)?.value;
  const reason = tag(NOTE_KEYS.reason);
  const sampler = tag(NOTE_KEYS.sampler) ?? run.data.params?.find((p) => p.key === NOTE_KEYS.sampler)?.value;
  return { ...(reason ? { reason } : {}), ...(sampler ? { sampler } : {}) };
}

/**
 * What the study's trial runs say beyond the study's own record, by trial number: the failure
 * reason a worker tagged (the HPO service is told only "fail") and the sampler that suggested the
 * params. Trials without either are left out.
 */
export async function trialNotesFromTracking(client: TrackingClient, experimentId: string, parentRunId: string): Promise<Map<number, TrialNote>> {
  const runs = await client.searchAllRuns({ experimentIds: [experimentId], filter: `tags.\`mlflow.parentRunId\` = '${parentRunId}'` });
  const notes = new Map<number, TrialNote>();
  for (const run of runs) {
    const number = Number(run.data.tags?.find((t) => t.key === TAG.trialNumber)?.value);
    const note = noteOf(run);
    if (Number.isInteger(number) && (note.reason || note.sampler)) notes.set(number, note);
  }
  return notes;
}
