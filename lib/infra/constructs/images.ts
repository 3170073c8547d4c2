import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DojoError } from '../../errors';

/** The official MLflow image the tracking server derives from, pinned to one version. */
export const MLFLOW_BASE_IMAGE = 'ghcr.io/mlflow/mlflow:v2.11.3';
/** boto3 added on top of it: MLflow needs it for `s3://` artifacts and the image lacks it. */
export const MLFLOW_BOTO3_VERSION = '1.34.69';

/** Paths left out of the runtime image's build context (same list as `.dockerignore`). */
export const RUNTIME_CONTEXT_EXCLUDE = [
  '.git',
  'node_modules',
  'dist',
  'cdk.out',
  'coverage',
  'test-artifacts',
  'test',
  'bench',
  '**/*.md',
  '.ci',
];

/**
 * The repository root (the folder holding `runtime/Dockerfile`), found by walking up from this
 * module: it works from the sources (tsx) and from the esbuild bundles in `dist/`.
 */
export function repositoryRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'runtime', 'Dockerfile')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new DojoError('NOT_FOUND', `runtime/Dockerfile: not found in ${from} or any parent; pass sourceRoot to the dojo stack`);
    }
  }
}

/**
 * The runtime image (the bundled `dojo` CLI): built from `runtime/Dockerfile` at deploy time;
 * synthesis only stages the files, so it needs no Docker engine.
 */
export function runtimeImage(sourceRoot: string = repositoryRoot()): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(sourceRoot, {
    file: 'runtime/Dockerfile',
    exclude: RUNTIME_CONTEXT_EXCLUDE,
    platform: Platform.LINUX_AMD64,
  });
}

/** The tracking server image: the pinned official MLflow image plus pinned boto3. */
export function mlflowImage(sourceRoot: string = repositoryRoot()): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(path.join(sourceRoot, 'lib', 'infra', 'mlflow-image'), {
    buildArgs: { MLFLOW_IMAGE: MLFLOW_BASE_IMAGE, BOTO3_VERSION: MLFLOW_BOTO3_VERSION },
    platform: Platform.LINUX_AMD64,
  });
}
