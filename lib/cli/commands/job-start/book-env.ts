// The `-e` variables of the book's `kaen job start` (ch. 12) that are not worker settings:
// KAEN_HPO_JOB_RUNS is the study's trial count, and the AWS credentials the book passes so that a
// local container can read S3 are never recorded with the job (its record is a plain file).
import { DojoError } from '../../../errors';

/** The book's trial count (`-e KAEN_HPO_JOB_RUNS 1`): the study's --num-runs. */
export const JOB_RUNS_ENV = 'KAEN_HPO_JOB_RUNS';

/** Credentials the book passes with -e; dojo keeps them out of the job record. */
export const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** The -e pairs left for the workers, and what the book's variables asked for. */
export interface BookEnv {
  readonly pairs: [string, string][];
  /** The trial count KAEN_HPO_JOB_RUNS gave, if any. */
  readonly jobRuns?: number;
  /** Lines for stderr saying what was done with the book's variables. */
  readonly notes: string[];
}

/**
 * Takes the book's variables out of the -e pairs. A credential is dropped when it is the value the
 * environment of `dojo job start` already holds (local workers inherit that environment; AWS workers
 * use the dojo's task role) and refused otherwise, so no secret is written to the job record.
 */
export function takeBookEnv(pairs: readonly (readonly [string, string])[], env: Readonly<Record<string, string | undefined>>): BookEnv {
  const out: [string, string][] = [];
  const notes: string[] = [];
  let jobRuns: number | undefined;
  const dropped: string[] = [];
  for (const [key, value] of pairs) {
    if (key === JOB_RUNS_ENV) {
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 100_000) {
        throw new DojoError('USAGE', `-e ${JOB_RUNS_ENV} ${value}: must be a whole number of trials from 1 to 100000`);
      }
      if (jobRuns !== undefined && jobRuns !== n) throw new DojoError('USAGE', `-e ${JOB_RUNS_ENV}: given twice with different values`);
      jobRuns = n;
    } else if ((CREDENTIAL_ENV as readonly string[]).includes(key)) {
      if (env[key] !== value) {
        throw new DojoError(
          'USAGE',
          `-e ${key}: dojo does not write credentials into the job; export ${key} in the shell that runs \`dojo job start\` (local workers inherit it; AWS workers use the dojo's task role) and leave out -e ${key}`,
        );
      }
      dropped.push(key);
    } else {
      out.push([key, value]);
    }
  }
  if (dropped.length > 0) notes.push(`note: -e ${dropped.join(', ')}: not recorded with the job; the workers inherit this environment's value (local) or use the dojo's task role (aws)`);
  return { pairs: out, ...(jobRuns !== undefined ? { jobRuns } : {}), notes };
}
