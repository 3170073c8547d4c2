import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DojoError } from '../../../lib/errors';
import type { TrackingClient } from '../../../lib/tracking/client';
import { getS3Stream, parseS3Url, S3Clients } from '../data/s3';
import { decodeModel, type DecodeOptions, type LoadedModel } from './codec';
import { loadModelFile } from './file';
import { loadRunModel, MODEL_FILE_NAME, parseRunsUri } from './mlflow';

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/**
 * Loads the model a registered model version's `source` points at. MLflow stores what its clients
 * and UI register: `runs:/<run>/<dir>` as dojo registers it, `mlflow-artifacts:/<exp>/<run>/artifacts/<dir>`
 * (what `mlflow.register_model("runs:/…")` and the UI resolve it to on a server that proxies
 * artifacts), `s3://bucket/…/<dir>` (a server whose artifact root is a bucket, as on AWS) or a
 * local `file:` directory. The model file is `<dir>/model.dojo` in each.
 */
export async function loadSourceModel(client: TrackingClient, source: string, label: string, opts: DecodeOptions = {}): Promise<LoadedModel> {
  const runs = parseRunsUri(source);
  if (runs) return loadRunModel(client, runs, opts);
  const dir = source.replace(/\/+$/, '');
  const file = `${dir}/${MODEL_FILE_NAME}`;
  if (dir.startsWith('mlflow-artifacts:')) {
    let bytes: Uint8Array;
    try {
      bytes = await client.downloadArtifactUri(file);
    } catch (e) {
      throw new DojoError('NOT_FOUND', `${label}: cannot download the model: ${(e as Error).message}; was a dojo model logged there?`, { cause: e });
    }
    return decodeModel(bytes, file, opts);
  }
  if (dir.startsWith('s3://')) {
    const { bucket, key } = parseS3Url(file);
    const s3 = new S3Clients();
    return decodeModel(await readAll(await getS3Stream(s3, bucket, key, s3.endpoint())), file, opts);
  }
  if (dir.startsWith('file:')) return loadModelFile(join(fileURLToPath(dir), MODEL_FILE_NAME), opts);
  throw new DojoError('BAD_DATA', `${label}: the registry points to '${source}'; dojo loads runs:/, mlflow-artifacts:/, s3:// and file: sources`);
}
