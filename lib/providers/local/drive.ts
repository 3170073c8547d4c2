// A command job's trial driver on the local provider: the shared driver (../jobs/driver) with
// replicas as local process groups, its current trial and their groups kept in the worker status
// file, so that a driver that dies leaves nothing running and no trial half-done (reapWorkers).
import { renameSync, writeFileSync } from 'node:fs';
import { driveTrials, type DriveSummary } from '../jobs/driver/drive';
import { driveSettingsFromEnv, replicaBaseEnv } from '../jobs/driver/settings';
import { layout, resultsDir, type WorkerStatus } from './layout';
import { LocalReplicaLauncher } from './replicas';

/** The environment entry every replica of a driver carries (how its process groups are known to be ours). */
export function replicaMarker(jobId: string, group: number): string {
  return `DOJO_REPLICA_OF=${jobId}/g${group}`;
}

/** Drives one trial group of a local command job until its study has no trial left or signal aborts. */
export async function driveLocal(dir: string, env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, signal: AbortSignal): Promise<DriveSummary> {
  const settings = driveSettingsFromEnv(env);
  const marker = replicaMarker(settings.jobId, settings.group);
  let status: WorkerStatus = { pid: process.pid, trial: null, updatedAt: new Date().toISOString(), replicaMarker: marker };
  const save = (next: Partial<WorkerStatus>) => {
    status = { ...status, ...next, updatedAt: new Date().toISOString() };
    if (!settings.statusFile) return;
    const tmp = `${settings.statusFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(status));
    renameSync(tmp, settings.statusFile);
  };
  save({});
  const [{ HpoClient }, { TrackingClient }] = await Promise.all([import('../../hpo/client'), import('../../tracking/client')]);
  return driveTrials({
    settings,
    hpo: new HpoClient(settings.hpoUri, settings.token ? { token: settings.token } : {}),
    tracking: new TrackingClient(settings.trackingUri, settings.trackingToken ? { token: settings.trackingToken } : {}),
    launcher: new LocalReplicaLauncher({ resultsDir: resultsDir(layout(dir), settings.jobId), marker, onGroups: (pgids) => save({ replicaGroups: [...pgids] }) }),
    baseEnv: replicaBaseEnv(env),
    log,
    // Another trial (or none): the last one's run and replica groups are no longer this driver's.
    onTrial: (trial, runId) => save(trial === status.trial ? { ...(runId ? { runId } : {}) } : { trial, runId, replicaGroups: [] }),
    signal,
  });
}
