// Builds the CLI with esbuild: dist/bin/dojo.js (code-split so that `dojo --help` loads only what it
// needs) and dist/runtime/ (dojo.mjs plus its chunks, for the runtime container image). Both are
// code-split: an external package (aws-cdk-lib, …) is then imported only by the chunk of a command
// that uses it, so the image, which installs better-sqlite3 alone, starts every command it runs.
import { build } from 'esbuild';
import { chmodSync, cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// Native and very large packages stay outside the bundles and are resolved from node_modules.
const external = ['better-sqlite3', 'aws-cdk-lib', 'constructs', 'cdk-nag', '@aws-cdk/toolkit-lib', 'playwright-core', 'onnxruntime-web'];

// Bundled CommonJS dependencies call require(); give ESM output one.
const banner = { js: "import { createRequire as __dojoCreateRequire } from 'node:module'; const require = __dojoCreateRequire(import.meta.url);" };

// The HPO service's proposal thread (lib/hpo/proposer/thread.ts) as one CommonJS text: the bundles
// below embed it (DOJO_HPO_THREAD_JS) and start it with `new Worker(text, { eval: true })`, so no
// file of its own has to be found next to whichever chunk starts it.
const thread = await build({
  entryPoints: ['lib/hpo/proposer/thread.ts'],
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  logLevel: 'warning',
});
const define = { DOJO_HPO_THREAD_JS: JSON.stringify(thread.outputFiles[0].text) };

// A rebuild must not pull a file from under a CLI process of the previous build (a local dojo's manager,
// a test's command): a lazily imported chunk half-written by esbuild fails to link. Each file is written
// beside its place and renamed over it, so a reader sees the old file or the new one, whole.
function writeWhole(result) {
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}

writeWhole(await build({
  entryPoints: { 'bin/dojo': 'bin/dojo.ts' },
  outdir: 'dist',
  write: false,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external,
  banner,
  define,
  logLevel: 'warning',
}));
chmodSync('dist/bin/dojo.js', 0o755);

// The tracking web UI: its page and style sheet, its TypeScript bundled for the browser (uPlot inside; the
// options are UI_BUNDLE_OPTIONS of lib/tracking/server/static.ts, which bundles the same when run from source).
rmSync('dist/tracking-ui', { recursive: true, force: true });
for (const f of ['index.html', 'style.css']) cpSync(`lib/tracking/ui/${f}`, `dist/tracking-ui/${f}`);
cpSync('node_modules/uplot/dist/uPlot.min.css', 'dist/tracking-ui/vendor/uPlot.min.css');
// app.js is the page's code; boot.js its boot script, which the server puts inline in the page.
for (const [entry, out] of [['main.ts', 'app.js'], ['boot.ts', 'boot.js']]) {
  await build({
    entryPoints: [`lib/tracking/ui/${entry}`],
    outfile: `dist/tracking-ui/${out}`,
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

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
  define,
  logLevel: 'warning',
});
