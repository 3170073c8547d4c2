import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// `dojo worker run` starts once per worker process: it must load the HPO and tracking clients only,
// not the services (fastify, better-sqlite3, the report's plotting) that the lib/hpo and lib/tracking
// indexes also export.
describe('the worker loads no server code', () => {
  it('bundling the worker-run handler pulls in neither the HPO service, the tracking server nor their packages', async () => {
    const r = await build({
      entryPoints: ['lib/cli/commands/worker-run/index.ts'],
      bundle: true,
      write: false,
      outfile: 'worker-run.mjs',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // As scripts/build.mjs: packages that stay outside the bundle.
      external: ['better-sqlite3', 'aws-cdk-lib', 'constructs', 'cdk-nag', '@aws-cdk/toolkit-lib', 'playwright-core', 'onnxruntime-web'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toContain('lib/hpo/client.ts');
    expect(inputs).toContain('lib/tracking/client.ts');
    const servers = inputs.filter((i) => /^lib\/(hpo\/(service|storage|report)|tracking\/(server|store))\b|node_modules\/(fastify|vega)/.test(i));
    expect(servers).toEqual([]);
    const externals = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    expect(externals).not.toContain('better-sqlite3');
  }, 60_000);
});
