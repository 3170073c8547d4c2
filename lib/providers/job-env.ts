// The environment a user gives `dojo job start -e KEY VALUE`: the book's KAEN_* names are accepted
// as aliases of the DOJO_* ones, and plain relative data paths are made absolute so that workers
// started elsewhere read the same files.
import { isAbsolute, resolve } from 'node:path';
import { DojoError } from '../errors';

/** The book's names and what they mean in dojo. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  KAEN_OSDS_TRAIN_GLOB: 'DOJO_TRAIN_GLOB',
  KAEN_OSDS_VAL_GLOB: 'DOJO_VAL_GLOB',
  KAEN_OSDS_TEST_GLOB: 'DOJO_TEST_GLOB',
  KAEN_RANK: 'DOJO_RANK',
  KAEN_WORLD_SIZE: 'DOJO_WORLD_SIZE',
};

/** The data globs a job reads. */
export const GLOB_KEYS = ['DOJO_TRAIN_GLOB', 'DOJO_VAL_GLOB', 'DOJO_TEST_GLOB'] as const;

// Set by dojo itself for each worker; a user value would break the job.
const RESERVED = new Set(['DOJO_TRACKING_URI', 'DOJO_HPO_URI', 'DOJO_STUDY', 'DOJO_REPLICAS', 'DOJO_JOB_ID', 'DOJO_WORKER_GROUP', 'DOJO_RANK', 'DOJO_WORLD_SIZE']);

/**
 * Turns the -e pairs into the job environment: aliases resolved, reserved names refused,
 * the train and validation globs required, plain relative paths made absolute against cwd.
 */
export function normalizeJobEnv(pairs: readonly (readonly [string, string])[], cwd: string = process.cwd()): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [rawKey, value] of pairs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rawKey)) {
      throw new DojoError('USAGE', `-e ${rawKey}: not a valid environment variable name`);
    }
    const key = ENV_ALIASES[rawKey] ?? rawKey;
    if (RESERVED.has(key)) throw new DojoError('USAGE', `-e ${rawKey}: dojo sets ${key} for each worker itself; remove it`);
    if (key in env && env[key] !== value) throw new DojoError('USAGE', `-e ${rawKey}: ${key} given twice with different values`);
    env[key] = value;
  }
  for (const key of ['DOJO_TRAIN_GLOB', 'DOJO_VAL_GLOB'] as const) {
    if (!env[key]) {
      throw new DojoError('USAGE', `missing -e ${key} GLOB (or the book's ${key.replace('DOJO_', 'KAEN_OSDS_')}): where the job reads its data`);
    }
  }
  for (const key of GLOB_KEYS) {
    const v = env[key];
    if (v && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !isAbsolute(v)) env[key] = resolve(cwd, v);
  }
  return env;
}
