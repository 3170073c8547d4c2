import { fileURLToPath } from 'node:url';
import { DojoError } from '../../../lib/errors';
import { TrackingClient } from '../../../lib/tracking/client';
import type { DecodeOptions, LoadedModel } from './codec';
import { loadModelFile } from './file';
import { loadRunModel, parseRunsUri } from './mlflow';
import { loadSourceModel } from './source';

/** Options of openModel. */
export interface OpenModelOptions extends DecodeOptions {
  /** Tracking server for `runs:/` and `models:/` URIs. @default DOJO_TRACKING_URI */
  readonly trackingUri?: string;
  /**
   * Resolves `models:/<name>/<version|alias>` to the version's source URI (the model registry); for
   * `models:/<name>@<alias>` it is given `@<alias>`.
   * @default - `models:/` URIs are refused
   */
  readonly resolveRegistered?: (client: TrackingClient, name: string, versionOrAlias: string) => Promise<string>;
}

function trackingClient(uri: string, opts: OpenModelOptions): TrackingClient {
  const base = opts.trackingUri ?? process.env.DOJO_TRACKING_URI;
  if (!base) throw new DojoError('USAGE', `--model ${uri}: needs a tracking server: pass --tracking URI or set DOJO_TRACKING_URI`);
  return new TrackingClient(base);
}

/**
 * Loads a model from a local path (or `file://` URL), `runs:/<run_id>/<dir>` (the run's logged
 * artifacts), `models:/<name>/<version>` or `models:/<name>@<alias>` (through `resolveRegistered`).
 */
export async function openModel(uri: string, opts: OpenModelOptions = {}): Promise<LoadedModel> {
  if (uri.startsWith('runs:')) {
    const r = parseRunsUri(uri);
    if (!r) throw new DojoError('USAGE', `--model ${uri}: expected runs:/<run_id>/<artifact dir>, e.g. runs:/0123abcd/model`);
    return loadRunModel(trackingClient(uri, opts), r, opts);
  }
  if (uri.startsWith('models:')) {
    // models:/<name>/<version|stage|alias> or MLflow's models:/<name>@<alias>
    const m = /^models:\/+([^/@]+)(?:\/([^/@]+)|@([^/@]+))\/*$/.exec(uri);
    if (!m) throw new DojoError('USAGE', `--model ${uri}: expected models:/<name>/<version> or models:/<name>@<alias>, e.g. models:/fare/1`);
    if (!opts.resolveRegistered) throw new DojoError('USAGE', `--model ${uri}: models:/ URIs need a model registry, which this command was not given`);
    const client = trackingClient(uri, opts);
    const ref = m[2] !== undefined ? decodeURIComponent(m[2]) : `@${decodeURIComponent(m[3]!)}`;
    const source = await opts.resolveRegistered(client, decodeURIComponent(m[1]!), ref);
    return loadSourceModel(client, source, `--model ${uri}`, opts);
  }
  return loadModelFile(uri.startsWith('file:') ? fileURLToPath(uri) : uri, opts);
}
