// Builds the CLI with esbuild: dist/bin/dojo.js (code-split so that `dojo --help` loads only what it
// needs) and dist/runtime/ (dojo.mjs plus its chunks, for the runtime container image). Both are
// code-split: an external package (aws-cdk-lib, …) is then imported only by the chunk of a command
// that uses it, so the image, which installs better-sqlite3 alone, starts every command it runs.
import { build } from 'esbuild';
import { chmodSync, cpSync, rmSync } from 'node:fs';

// Native and very large packages stay outside the bundles and are resolved from node_modules.
const external = ['better-sqlite3', 'aws-cdk-lib', 'constructs', 'cdk-nag', '@aws-cdk/toolkit-lib', 'playwright-core', 'onnxruntime-web'];

// Bundled CommonJS dependencies call require(); give ESM output one.
const banner = { js: "import { createRequire as __dojoCreateRequire } from 'node:module'; const require = __dojoCreateRequire(import.meta.url);" };

await build({
  entryPoints: { 'bin/dojo': 'bin/dojo.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external,
  banner,
  logLevel: 'warning',
});
chmodSync('dist/bin/dojo.js', 0o755);

// The tracking web UI is plain files, not TS: ship them (and uPlot) next to the bundles.
cpSync('lib/tracking/ui', 'dist/tracking-ui', { recursive: true });
for (const f of ['uPlot.iife.min.js', 'uPlot.min.css']) cpSync(`node_modules/uplot/dist/${f}`, `dist/tracking-ui/vendor/${f}`);

rmSync('dist/runtime', { recursive: true, force: true });
await build({
  entryPoints: { dojo: 'bin/dojo.ts' },
  outdir: 'dist/runtime',
  // .mjs everywhere: the image's package.json does not say "type": "module".
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  banner,
  logLevel: 'warning',
});
