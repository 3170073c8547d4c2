// MLflow's auth variables for a dojo on an existing tracking server (`dojo init --tracking-uri`):
// `init` stores the ones set in its environment as SSM SecureStrings (CloudFormation cannot create
// SecureStrings), the stack hands them to the HPO service and the workers as ECS secrets, and
// `dojo rm` deletes them. Their values are never in the dojo's config, a template or a RunTask.
import { AddTagsToResourceCommand, DeleteParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { TRACKING_SECRET_NAMES } from '../../infra/config';
import { DOJO_TAG_KEY, trackingSecretParameterName } from '../../infra/parameters';
import type { DojoConfig } from '../provider';

/** The MLflow auth variables set (non-empty) in env, in TRACKING_SECRET_NAMES order. */
export function trackingSecretsIn(env: NodeJS.ProcessEnv): string[] {
  return TRACKING_SECRET_NAMES.filter((name) => (env[name] ?? '') !== '');
}

/** Stores the dojo's tracking secrets from env as tagged SecureStrings (overwriting: init may be retried). */
export async function putTrackingSecrets(ssm: SSMClient, cfg: DojoConfig, env: NodeJS.ProcessEnv): Promise<void> {
  for (const name of cfg.trackingSecrets ?? []) {
    const value = env[name];
    if (!value) continue;
    await ssm.send(
      new PutParameterCommand({
        Name: trackingSecretParameterName(cfg.id, name),
        Value: value,
        Type: 'SecureString',
        Overwrite: true,
        Description: `dojo ${cfg.id}: ${name} for the MLflow server ${cfg.trackingUri ?? ''}`,
      }),
    );
    // Tagged apart: PutParameter refuses Tags with Overwrite. The tag lets the leftover scan find it.
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: trackingSecretParameterName(cfg.id, name), Tags: [{ Key: DOJO_TAG_KEY, Value: cfg.id }] }));
  }
}

/** Deletes the dojo's tracking secrets (missing ones are ignored: `dojo rm` may run again). */
export async function deleteTrackingSecrets(ssm: SSMClient, cfg: DojoConfig): Promise<void> {
  const names = TRACKING_SECRET_NAMES.map((n) => trackingSecretParameterName(cfg.id, n));
  await ssm.send(new DeleteParametersCommand({ Names: names }));
}
