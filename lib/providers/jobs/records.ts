// Job records as every provider keeps them ($DOJO_HOME/<dojo>/jobs/<job>.json, see state.ts): how a
// record is made, given its HPO settings, and ended; and the dojo config a provider may act on.
import { DojoError } from '../../errors';
import type { JobKind } from '../../jobs/kinds';
import type { CreateJobOptions, DojoConfig, HpoSettings, JobRecord, JobStatus, ProviderName } from '../provider';
import { loadDojoConfig, newId } from '../state';

/** A new job of a dojo, not started. */
export function newJobRecord(dojoId: string, options: CreateJobOptions & { readonly kind?: JobKind }): JobRecord {
  const kind = options.kind ?? (options.command ? 'command' : 'builtin');
  return {
    id: newId('job'),
    dojoId,
    kind,
    ...(options.command ? { command: options.command } : {}),
    image: options.image ?? 'bundled',
    createdAt: new Date().toISOString(),
    status: 'created',
  };
}

/** The job with the settings of `hpo enable` (CONFLICT once it has started). */
export function withHpoSettings<J extends JobRecord>(job: J, settings: HpoSettings): J {
  if (job.status !== 'created') {
    throw new DojoError('CONFLICT', `job ${job.id} was started already (status ${job.status}); HPO settings can only change before \`dojo job start\``);
  }
  return { ...job, hpo: settings };
}

/** The job ended with status now (a job that never started has no run to end). */
export function endedJob<J extends JobRecord>(job: J, status: JobStatus): J {
  return job.run ? { ...job, status, run: { ...job.run, endedAt: new Date().toISOString() } } : { ...job, status };
}

/** The job as before `job start`: created, without a run (a failed or crashed start is so undone). */
export function notStarted<J extends JobRecord>(job: J): J {
  const { run: _run, ...rest } = job;
  return { ...rest, status: 'created' } as J;
}

/** The config of dojo id when it belongs to provider `name`; a dojo of another provider is a USAGE error. */
export function ownDojoConfig(home: string, id: string, name: ProviderName): DojoConfig {
  const cfg = loadDojoConfig(home, id);
  if (cfg.provider !== name) throw new DojoError('USAGE', `dojo ${id} runs on the ${cfg.provider} provider, not ${name}`);
  return cfg;
}
