import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DojoError } from '../../../lib/errors';
import type { Model } from '../model';
import { decodeModel, encodeModel, type DecodeOptions, type LoadedModel, type ModelMeta } from './codec';

/**
 * Writes the model file to `path` (parent directories created) and returns its bytes. The file is
 * written beside the target and renamed, so a crash never leaves a half-written model under `path`.
 */
export async function saveModel(model: Model, meta: ModelMeta, path: string): Promise<Uint8Array> {
  const bytes = encodeModel(model, meta);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    throw new DojoError('USAGE', `--save ${path}: cannot write the model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  return bytes;
}

/** Reads and validates a model file from a local path. */
export async function loadModelFile(path: string, opts: DecodeOptions = {}): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DojoError('NOT_FOUND', `${path}: cannot read the model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  return decodeModel(bytes, path, opts);
}
