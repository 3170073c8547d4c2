import { createHash } from 'node:crypto';
import { DATASET_CONTEXT_TAG, type DatasetInput } from '../../../lib/tracking/types';
import { resolveGlob } from './glob';
import type { S3Clients } from './s3';
import { CSV_HEADER } from './schema';

/** The data a training run reads, by MLflow dataset context. */
export interface RunDataGlobs {
  readonly train: string;
  readonly val: string;
  readonly test?: string;
}

/** MLflow's column-spec schema of the DC-taxi CSV (every column a double). */
const SCHEMA = JSON.stringify({ mlflow_colspec: CSV_HEADER.map((name) => ({ type: 'double', name, required: true })) });

/**
 * The datasets a run reads, as MLflow `runs/log-inputs` entries (context training / validation /
 * test), so a tracking UI lists them and runs on the same data can be found. The digest is a hash
 * of the objects' names and sizes (not their bytes: reading every byte twice would cost a pass over
 * the data); the profile gives the object count and total bytes.
 */
export async function datasetInputs(globs: RunDataGlobs, s3Endpoint?: string, s3?: S3Clients): Promise<DatasetInput[]> {
  const contexts: [string, string | undefined][] = [['training', globs.train], ['validation', globs.val], ['test', globs.test]];
  const out: DatasetInput[] = [];
  for (const [context, glob] of contexts) {
    if (!glob) continue;
    const objects = await resolveGlob(glob, { s3Endpoint, s3 });
    const hash = createHash('sha256');
    let bytes = 0;
    for (const o of objects) {
      hash.update(`${o.name}\0${o.size}\n`);
      bytes += o.size;
    }
    const onS3 = glob.startsWith('s3://');
    const uri = onS3 || glob.startsWith('file://') ? glob : `file://${glob}`;
    out.push({
      tags: [{ key: DATASET_CONTEXT_TAG, value: context }],
      dataset: {
        name: glob.length > 500 ? `${glob.slice(0, 497)}...` : glob,
        digest: hash.digest('hex').slice(0, 8),
        source_type: onS3 ? 's3' : 'local',
        source: JSON.stringify({ uri }),
        schema: SCHEMA,
        profile: JSON.stringify({ num_objects: objects.length, bytes }),
      },
    });
  }
  return out;
}
