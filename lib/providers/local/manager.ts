// The manager of a local dojo: one process running the embedded tracking server (unless the dojo
// uses an existing MLflow: `dojo init --tracking-uri`) and the HPO service (which also does
// rendezvous) on 127.0.0.1. It reuses the ports of its previous run when
// they are free, so workers that outlive a manager crash reconnect to the restarted one.
import { mkdirSync } from 'node:fs';
import { startTrackingServer } from '../../tracking';
import { startHpoService } from '../../hpo/service';
import { readJson, writeJsonAtomic } from '../state';
import { layout, type ManagerInfo } from './layout';
import { reapDojo } from './jobs';
import type { DojoConfig } from '../provider';
import { tokenOf } from './control';

interface Closable {
  readonly url: string;
  readonly port: number;
  close(): Promise<void> | void;
}

async function onPreferredPort<T extends Closable>(preferred: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (preferred) {
    try {
      return await start(preferred);
    } catch {
      // Taken by something else since: any free port will do.
    }
  }
  return start(0);
}

/** Runs the manager of the dojo in dir until SIGTERM/SIGINT; resolves when it has shut down. */
export async function serveManager(dir: string, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<void> {
  const l = layout(dir);
  mkdirSync(l.trackingStore, { recursive: true });
  const prior = readJson<{ trackingPort?: number; hpoPort?: number }>(l.ports) ?? {};
  const external = readJson<DojoConfig>(l.config)?.trackingUri;
  const { token } = tokenOf(l);
  // The HPO service is a tracking client of its own dojo: it sends the token as MLflow clients do.
  // An existing MLflow (dojo init --tracking-uri) gets the user's own MLflow variables instead.
  if (token && !external) process.env.MLFLOW_TRACKING_TOKEN = token;
  // The tracking UI shows studies live through the HPO service, which starts second (it needs the tracking URL).
  const link: { hpoUrl?: string } = {};
  // With an existing MLflow nothing is started for tracking: the HPO service and workers use it.
  const tracking: Closable = external
    ? { url: external, port: 0, close: () => undefined }
    : await onPreferredPort(prior.trackingPort, (port) =>
        startTrackingServer({ storeDir: l.trackingStore, host: '127.0.0.1', port, hpoUri: () => link.hpoUrl, ...(token ? { token } : {}) }),
      );
  const hpo = await onPreferredPort(prior.hpoPort, (port) =>
    startHpoService({ dbFile: l.hpoDb, host: '127.0.0.1', port, trackingUri: tracking.url, ...(token ? { token } : {}) }),
  );
  link.hpoUrl = hpo.url;
  writeJsonAtomic(l.ports, { ...(external ? {} : { trackingPort: tracking.port }), hpoPort: hpo.port });
  const info: ManagerInfo = {
    pid: process.pid,
    trackingUri: tracking.url,
    hpoUri: hpo.url,
    trackingPort: tracking.port,
    ...(external ? { trackingExternal: true } : {}),
    hpoPort: hpo.port,
    startedAt: new Date().toISOString(),
  };
  writeJsonAtomic(l.managerInfo, info);
  const withToken: ManagerInfo = { ...info, ...(token ? { token } : {}) };
  log(`manager ${process.pid}: tracking ${tracking.url}, hpo ${hpo.url}`);
  // A killed worker's trial is failed within seconds (and so replaced), even if nobody waits on the job.
  let reaping = false;
  const reaper = setInterval(() => {
    if (reaping) return;
    reaping = true;
    reapDojo(dir, withToken)
      .catch((e: unknown) => log(`manager: reaping dead workers failed: ${(e as Error).message}`))
      .finally(() => (reaping = false));
  }, 2000);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log(`manager ${process.pid}: ${sig}, shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  clearInterval(reaper);
  await hpo.close();
  await tracking.close();
}
