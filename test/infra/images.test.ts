import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MLFLOW_BASE_IMAGE, MLFLOW_BOTO3_VERSION, RUNTIME_CONTEXT_EXCLUDE, repositoryRoot } from '../../lib/infra/constructs/images';

const root = repositoryRoot();
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
const instructions = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

describe('runtime/Dockerfile', () => {
  const lines = instructions(read('runtime/Dockerfile'));

  it('is multi-stage on node:22-slim (the AWS SDK drops Node 20 in 2027): build with npm ci + npm run build, then a slim final stage', () => {
    expect(lines.filter((l) => l.startsWith('FROM '))).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim']);
    const text = lines.join('\n');
    expect(text).toMatch(/RUN npm ci\b/);
    expect(text).toMatch(/RUN npm run build/);
  });

  it('final stage: only the bundle and better-sqlite3, a non-root user, node /app/dojo.mjs', () => {
    const final = lines.slice(lines.indexOf('FROM node:22-slim'));
    const copies = final.filter((l) => l.startsWith('COPY'));
    expect(copies.every((l) => l.includes('--from=build'))).toBe(true);
    expect(copies.join('\n')).toContain('dojo.mjs');
    // The bundle is code-split (scripts/build.mjs): its chunks ship beside it.
    expect(copies.join('\n')).toContain('/out/chunks ./chunks');
    expect(copies.join('\n')).toContain('node_modules');
    expect(final).toContain('USER node');
    expect(final.at(-2)).toBe('ENTRYPOINT ["node", "/app/dojo.mjs"]');
    // The production install holds better-sqlite3 and nothing else.
    expect(lines.join('\n')).toMatch(/dependencies:\{'better-sqlite3':v\}/);
    expect(lines.join('\n')).toContain('npm install --omit=dev');
  });

  it('.dockerignore leaves out the same paths as the CDK asset', () => {
    expect(instructions(read('.dockerignore'))).toEqual(RUNTIME_CONTEXT_EXCLUDE);
    for (const p of ['node_modules', 'dist', 'cdk.out', '.git']) expect(RUNTIME_CONTEXT_EXCLUDE).toContain(p);
  });
});

describe('lib/infra/mlflow-image/Dockerfile', () => {
  it('derives from the pinned MLflow image and pins boto3 (defaults equal the constants the app passes)', () => {
    const lines = instructions(read('lib/infra/mlflow-image/Dockerfile'));
    expect(lines).toContain(`ARG MLFLOW_IMAGE=${MLFLOW_BASE_IMAGE}`);
    expect(lines).toContain('FROM ${MLFLOW_IMAGE}');
    expect(lines).toContain(`ARG BOTO3_VERSION=${MLFLOW_BOTO3_VERSION}`);
    expect(lines.join('\n')).toContain('pip install --no-cache-dir "boto3==${BOTO3_VERSION}"');
    expect(MLFLOW_BASE_IMAGE).not.toMatch(/:latest$/);
  });
});

describe('repositoryRoot', () => {
  it('walks up to the folder holding runtime/Dockerfile, from anywhere below it', () => {
    expect(repositoryRoot(path.join(root, 'dist', 'bin'))).toBe(root);
    expect(repositoryRoot(path.join(root, 'lib', 'infra', 'constructs'))).toBe(root);
  });

  it('says what to do when there is none', () => {
    expect(() => repositoryRoot('/')).toThrow('runtime/Dockerfile: not found in / or any parent; pass sourceRoot to the dojo stack');
  });
});
