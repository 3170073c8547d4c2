// The two code trees the study bench compares: this checkout ("new") and a git worktree of an
// earlier commit ("base"), with the per-trial timers of base-timing.patch applied so that both print
// the same time line. Both are built with the project's own build (dist/bin/dojo.js).
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A tree the bench runs: where it is and how to start its CLI. */
export interface Tree {
  readonly label: 'base' | 'new';
  readonly dir: string;
  readonly commit: string;
  readonly cli: readonly string[];
}

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function build(dir: string, log: (line: string) => void): void {
  log(`building ${dir} (node scripts/build.mjs)`);
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** This checkout, built. */
export function newTree(root: string, log: (line: string) => void): Tree {
  build(root, log);
  const dirty = git(root, 'status', '--porcelain').length > 0;
  return { label: 'new', dir: root, commit: `${git(root, 'rev-parse', '--short', 'HEAD')}${dirty ? '+changes' : ''}`, cli: [process.execPath, join(root, 'dist/bin/dojo.js')] };
}

/**
 * A worktree of `rev` under the temp folder (made once and reused), node_modules linked to this
 * checkout's, the timing patch applied, built.
 */
export function baseTree(root: string, rev: string, log: (line: string) => void): Tree {
  const commit = git(root, 'rev-parse', '--short', `${rev}^{commit}`);
  const dir = join(tmpdir(), `dojo-study-base-${commit}`);
  if (!existsSync(join(dir, '.dojo-bench-ready'))) {
    if (existsSync(dir)) git(root, 'worktree', 'remove', '--force', dir);
    log(`git worktree add --detach ${dir} ${commit}`);
    git(root, 'worktree', 'add', '--detach', dir, commit);
    symlinkSync(resolve(root, 'node_modules'), join(dir, 'node_modules'));
    // The timers only where the base does not print the time line itself (commits after 2b9965f do).
    const patch = resolve(root, 'bench/study/base-timing.patch');
    if (!printsTimes(dir)) git(dir, 'apply', patch);
    build(dir, log);
    execFileSync('touch', [join(dir, '.dojo-bench-ready')]);
  }
  return { label: 'base', dir, commit, cli: [process.execPath, join(dir, 'dist/bin/dojo.js')] };
}

/** Whether a tree's worker prints the per-trial time line already (`git grep` fails when nothing matches). */
function printsTimes(dir: string): boolean {
  try {
    return git(dir, 'grep', '-l', 'hpo+tracking', '--', 'runtime/src').length > 0;
  } catch {
    return false;
  }
}
