// Finds the provider of a dojo or job from the local index ($DOJO_HOME), loading provider modules
// only when needed so that cheap commands stay cheap.
import { DojoError } from '../errors';
import type { ProgressFn, Provider, ProviderName, RemoveResult } from './provider';
import { dojoHome, findJobDojo, loadDojoConfig } from './state';

/** Creates a provider by name, with state under $DOJO_HOME of env (the environment it also gives its processes). */
export async function providerNamed(name: ProviderName, env: NodeJS.ProcessEnv = process.env): Promise<Provider> {
  const home = dojoHome(env);
  if (name === 'local') {
    const { LocalProvider } = await import('./local/provider');
    return new LocalProvider({ home, env });
  }
  if (name === 'aws') {
    const { AwsProvider } = await import('./aws/provider');
    return new AwsProvider({ home, env });
  }
  throw new DojoError('USAGE', `unknown provider "${String(name)}"; use --provider local or aws`);
}

/** The provider that owns dojo id (NOT_FOUND when there is no such dojo). */
export async function providerOfDojo(id: string, env: NodeJS.ProcessEnv = process.env): Promise<Provider> {
  return providerNamed(loadDojoConfig(dojoHome(env), id).provider, env);
}

/** The provider that owns job id (NOT_FOUND when there is no such job). */
export async function providerOfJob(jobId: string, env: NodeJS.ProcessEnv = process.env): Promise<Provider> {
  return providerOfDojo(findJobDojo(dojoHome(env), jobId), env);
}

/** Every provider that has at least one dojo in the index (always includes local). */
export function providerNames(): readonly ProviderName[] {
  return ['local', 'aws'];
}

/** `dojo rm` of a dojo whose config.json is corrupt (its provider unknown): ends what this machine recorded for it, removes its folder. */
export async function removeUnreadableDojo(id: string, progress: ProgressFn, env: NodeJS.ProcessEnv = process.env): Promise<RemoveResult> {
  const { removeUnreadableDojo: remove } = await import('./local/remove-unreadable');
  return remove(dojoHome(env), id, progress);
}
