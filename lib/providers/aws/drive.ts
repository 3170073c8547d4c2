// A command job's trial driver on AWS (`dojo job drive --provider aws`, a task on the manager
// started by `job start`): the shared driver (../jobs/driver) with replicas as ECS tasks on the
// workers. Its replicas get the user's -e environment (and the region) under the contract, nothing
// of the driver's own environment (its credentials endpoint, its settings).
import { DojoError } from '../../errors';
import { driveTrials, type DriveSummary } from '../jobs/driver/drive';
import { driveSettingsFromEnv } from '../jobs/driver/settings';
import { createAwsClients, type AwsClients } from './clients';
import { REPLICA_BASE_ENV, ecsSpecFromEnv } from './command-jobs';
import { EcsReplicaLauncher, type EcsLauncherOptions } from './replicas';

/** What a driver may substitute (tests: clients on an emulated endpoint, faster polls). */
export interface AwsDriveOptions {
  readonly clients?: AwsClients;
  readonly launcher?: Partial<Pick<EcsLauncherOptions, 'pollMs' | 'sleep' | 'startTimeoutMs' | 'stopSlackMs' | 'resultWaitMs'>>;
  /** Ms between looks at the trial's metric. @default 2000 */
  readonly pollMs?: number;
}

/** The replicas' base environment: the user's -e environment as `job start` recorded it, with the region. */
export function awsReplicaBaseEnv(env: Readonly<Record<string, string | undefined>>, region: string): Record<string, string> {
  const raw = env[REPLICA_BASE_ENV] ?? '{}';
  let j: unknown;
  try {
    j = JSON.parse(raw);
  } catch {
    throw new DojoError('USAGE', `${REPLICA_BASE_ENV}: not JSON`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j) || Object.values(j).some((v) => typeof v !== 'string')) {
    throw new DojoError('USAGE', `${REPLICA_BASE_ENV}: expected a JSON object of strings`);
  }
  return { ...(j as Record<string, string>), AWS_REGION: region, AWS_DEFAULT_REGION: region };
}

/** Drives one trial group of a command job on AWS until its study has no trial left or signal aborts. */
export async function driveAws(env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, signal: AbortSignal, o: AwsDriveOptions = {}): Promise<DriveSummary> {
  const settings = driveSettingsFromEnv(env);
  const spec = ecsSpecFromEnv(env);
  const c = o.clients ?? createAwsClients({ region: spec.region, env: env as NodeJS.ProcessEnv });
  const [{ HpoClient }, { TrackingClient }] = await Promise.all([import('../../hpo/client'), import('../../tracking/client')]);
  return driveTrials({
    settings,
    hpo: new HpoClient(settings.hpoUri, settings.token ? { token: settings.token } : {}),
    tracking: new TrackingClient(settings.trackingUri, settings.trackingToken ? { token: settings.trackingToken } : {}),
    launcher: new EcsReplicaLauncher({ ecs: c.ecs, ec2: c.ec2, logs: c.logs, spec, ...o.launcher }),
    baseEnv: awsReplicaBaseEnv(env, spec.region),
    log,
    signal,
    pollMs: o.pollMs ?? 2000,
  });
}
