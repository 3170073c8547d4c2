// Reads the SSM parameters a deployed dojo describes itself with (names from lib/infra/parameters).
import { GetParametersByPathCommand, PutParameterCommand, type Parameter } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { DojoError } from '../../errors';
import { DOJO_PARAMETERS, NO_SERVICE_VALUE, PENDING_VALUE, dojoParameterName, dojoParameterPrefix, type DojoParameterKey } from '../../infra/parameters';

/** The dojo's parameters by key; absent keys were not found. */
export type DojoParams = Readonly<Partial<Record<DojoParameterKey, string>>>;

const KEY_OF = new Map<string, DojoParameterKey>(Object.entries(DOJO_PARAMETERS).map(([k, v]) => [v, k as DojoParameterKey]));

/** Every parameter under `/dojo/<id>/` (paginated), or undefined when the dojo is not deployed. */
export async function readDojoParams(ssm: SSMClient, dojoId: string): Promise<DojoParams | undefined> {
  const all = await listParameters(ssm, dojoParameterPrefix(dojoId));
  if (all.length === 0) return undefined;
  const out: Partial<Record<DojoParameterKey, string>> = {};
  const prefix = dojoParameterPrefix(dojoId);
  for (const p of all) {
    const key = p.Name ? KEY_OF.get(p.Name.slice(prefix.length)) : undefined;
    if (key && p.Value !== undefined) out[key] = p.Value;
  }
  return out;
}

/** Every parameter under a path, following NextToken. */
export async function listParameters(ssm: SSMClient, path: string): Promise<Parameter[]> {
  const out: Parameter[] = [];
  let token: string | undefined;
  do {
    const r = await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken: token }));
    out.push(...(r.Parameters ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

/** One parameter the CLI needs, or a CONFLICT error saying the dojo must be activated. */
export function need(params: DojoParams, key: DojoParameterKey, dojoId: string): string {
  const v = params[key];
  if (v === undefined || v === '') {
    throw new DojoError('CONFLICT', `dojo ${dojoId} has no SSM parameter ${dojoParameterName(dojoId, key)}; run \`dojo activate ${dojoId}\` to deploy it`);
  }
  return v;
}

/** The value, or undefined while the manager has not published it (`pending`). */
export function published(params: DojoParams, key: DojoParameterKey): string | undefined {
  const v = params[key];
  return v === undefined || v === PENDING_VALUE || v === '' ? undefined : v;
}

/** Rewrites the `status` parameter (seeded by the stack; the CLI owns its value afterwards). */
export async function writeStatus(ssm: SSMClient, dojoId: string, value: string): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: dojoParameterName(dojoId, 'status'), Value: value, Type: 'String', Overwrite: true }));
}

/** The ECS services the dojo runs on its manager (no tracking service with an existing MLflow server). */
export function managerServices(params: DojoParams): string[] {
  return [params.trackingService, params.hpoService].filter((s): s is string => !!s && s !== NO_SERVICE_VALUE);
}
