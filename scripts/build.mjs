// Builds the CLI with esbuild: dist/bin/dojo.js (code-split so that `dojo --help` loads only what it
// needs) and dist/runtime/dojo.mjs (everything in one file, for the runtime container image).
import { build } from 'esbuild';
import { chmodSync, cpSync } from 'node:fs';

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

await build({
  entryPoints: ['bin/dojo.ts'],
  outfile: 'dist/runtime/dojo.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  banner,
  logLevel: 'warning',
});
