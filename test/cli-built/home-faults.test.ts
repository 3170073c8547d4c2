// Honest failures of the built CLI when the OS says no: a read-only and a full DOJO_HOME (small
// tmpfs mounts), a DOJO_HOME that is a file, SQLite files that are not databases. Each names the
// path and the OS reason, exits 1 (not "internal error ... a bug in dojo"), and leaves no dojo-*/
// folder and no *.tmp file behind.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, ensureBuilt } from '../e2e/harness';

const root = mkdtempSync(join(tmpdir(), 'dojo-home-faults-'));
const mounts: string[] = [];

/** A tmpfs of `size` at a new folder (root may mount here; the test fails loudly if it cannot). */
function tmpfs(name: string, options: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Every file and folder below dir (relative), for "nothing left behind" checks. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const m of mounts.reverse()) execFileSync('umount', [m]);
  rmSync(root, { recursive: true, force: true });
});

const oneLine = (stderr: string) => {
  expect(stderr).not.toMatch(/internal error|bug in dojo/);
  expect(stderr.trim().split('\n')).toHaveLength(1);
};

describe('a DOJO_HOME the OS refuses', () => {
  it('read-only: init says EROFS with the path and leaves nothing', async () => {
    const home = tmpfs('ro', 'size=1m,ro');
    const r = await new Sandbox({ DOJO_HOME: home }).run(['init']);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(new RegExp(`^dojo: ${home}/dojo-[0-9a-f]{8}: read-only file system \\(EROFS\\)`));
    expect(r.stdout).toBe('');
    expect(tree(home)).toEqual([]);
  });

  it('full: init says ENOSPC with the path and leaves no dojo-*/ folder and no *.tmp', async () => {
    const home = tmpfs('full', 'size=64k');
    // tmpfs rounds to pages; fill whatever is there.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(home, 'fill')}`, 'bs=4096'], { stdio: 'ignore' });
    } catch {
      // dd exits 1 when the disk is full: that is the point
    }
    const r = await new Sandbox({ DOJO_HOME: home }).run(['init']);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(new RegExp(`^dojo: ${home}/dojo-[0-9a-f]{8}/\\S+: no space left on the device \\(ENOSPC\\)`));
    expect(tree(home)).toEqual(['fill']);
  });

  it('full after init: job create says ENOSPC and leaves no *.tmp; the dojo stays usable', async () => {
    const home = tmpfs('later', 'size=256k');
    const box = new Sandbox({ DOJO_HOME: home });
    const dojo = await box.ok(['init']);
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(home, 'fill')}`, 'bs=4096'], { stdio: 'ignore' });
    } catch {
      // full now
    }
    const r = await box.run(['job', 'create', '--dojo', dojo]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/no space left on the device \(ENOSPC\)/);
    expect(tree(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(tree(join(home, dojo, 'jobs'))).toEqual([]);
    rmSync(join(home, 'fill'));
    expect(await box.ok(['job', 'create', '--dojo', dojo])).toMatch(/^job-[0-9a-f]{8}$/);
  });

  it('a file where DOJO_HOME (or a folder above it) should be: EEXIST / ENOTDIR, with the path', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r1 = await new Sandbox({ DOJO_HOME: file }).run(['init']);
    expect(r1.code).toBe(1);
    oneLine(r1.stderr);
    expect(r1.stderr).toMatch(new RegExp(`^dojo: ${file}: already exists \\(EEXIST\\)`));
    const r2 = await new Sandbox({ DOJO_HOME: join(file, 'sub') }).run(['init']);
    expect(r2.code).toBe(1);
    oneLine(r2.stderr);
    expect(r2.stderr).toMatch(new RegExp(`^dojo: ${file}/sub: a part of the path is not a folder \\(ENOTDIR\\)`));
  });
});

describe('a SQLite file that is not a database', () => {
  it('hpo serve --db and tracking serve --store name the file', async () => {
    const junk = join(root, 'junk.db');
    writeFileSync(junk, 'this is not a database, just text that is long enough to look like a header '.repeat(20));
    const box = new Sandbox();
    const r1 = await box.run(['hpo', 'serve', '--db', junk, '--port', '0']);
    expect(r1.code).toBe(1);
    oneLine(r1.stderr);
    expect(r1.stderr).toMatch(new RegExp(`^dojo: ${junk}: file is not a database \\(SQLITE_NOTADB\\)`));
    const store = join(root, 'store');
    mkdirSync(store);
    writeFileSync(join(store, 'mlflow.db'), 'not a database either '.repeat(40));
    const r2 = await box.run(['tracking', 'serve', '--store', store, '--port', '0']);
    expect(r2.code).toBe(1);
    oneLine(r2.stderr);
    expect(r2.stderr).toMatch(new RegExp(`^dojo: ${store}/mlflow.db: file is not a database \\(SQLITE_NOTADB\\)`));
    await box.dispose();
  });
});
