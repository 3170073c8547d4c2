// Test files run in parallel processes, several of them driving the built CLI (dist/). A test that
// builds again beside them rewrites dist/ under those processes: one of them then imported a chunk
// half-written ("does not provide an export named …") and failed a README run on a clean clone.
// So only the harness's ensureBuilt() may build (when dist/ is missing or stale, under a lock).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const HARNESS = 'test/e2e/harness.ts';
// What starts a build: `npm run build`, the build script, or esbuild writing into dist/.
const BUILDS = [/['"]run['"]\s*,\s*['"]build['"]/, /(exec|spawn)\w*\(\s*['"`]npm run build/, /scripts\/build\.mjs['"]/, /outdir:\s*['"`][^'"`]*dist/];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return testFiles(p);
    return /\.(ts|mjs|js)$/.test(name) ? [p] : [];
  });
}

describe('test files and the build', () => {
  it('no test file but the harness builds dist/ (ensureBuilt() does it once, under a lock)', () => {
    const files = testFiles(join(root, 'test'));
    expect(files.length).toBeGreaterThan(100);
    const building = files
      .map((f) => relative(root, f))
      .filter((f) => f !== HARNESS && f !== 'test/guard/test-builds.test.ts')
      .flatMap((f) => {
        const text = readFileSync(join(root, f), 'utf8');
        return BUILDS.filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
      });
    expect(building).toEqual([]);
    // The harness's own build is the one the patterns describe (so they would catch another).
    expect(BUILDS.some((re) => re.test(readFileSync(join(root, HARNESS), 'utf8')))).toBe(true);
  });
});
