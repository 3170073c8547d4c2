// Every command block of README.md, run as a user would copy it: bash with `set -euo pipefail`, a
// fresh DOJO_HOME and working folder, `dojo` and `npx dojo` being the built CLI (dist/bin/dojo.js).
// A block that cannot run here says so in the README with a comment on the line before it:
//   <!-- readme-test: aws -->                  needs an AWS account (later: the emulated one)
//   <!-- readme-test: long, <why> -->          minutes of work: run with DOJO_README_LONG=1
//   <!-- readme-test: skip, <why> -->          e.g. a server that runs until Ctrl-C, placeholders
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../e2e/harness';

/** A fenced block of the README. */
interface Block {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  readonly mark?: { readonly kind: 'aws' | 'long' | 'skip'; readonly reason: string };
}

/** The fenced blocks of a Markdown text, with the readme-test mark of the line before each. */
function readmeBlocks(md: string): Block[] {
  const lines = md.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code block`);
    const m = /^<!-- readme-test: (aws|long|skip)(?:, (.+?))? -->$/.exec(lines[i - 1] ?? '');
    out.push({ line: i + 1, lang: open[1]!, text: lines.slice(i + 1, end).join('\n'), ...(m ? { mark: { kind: m[1] as 'aws' | 'long' | 'skip', reason: m[2] ?? '' } } : {}) });
    i = end;
  }
  return out;
}

const README = readFileSync(resolve('README.md'), 'utf8');
const blocks = readmeBlocks(README);
const runLong = process.env.DOJO_README_LONG === '1';
const runnable = blocks.filter((b) => b.lang === 'sh' && (!b.mark || (b.mark.kind === 'long' && runLong)));
const COMMAND = /^\s*(\$ )?(npx|npm|dojo|curl|cdk|aws)\s/m;

let bin: string;
beforeAll(() => {
  ensureBuilt();
  // `dojo` and `npx dojo` are the built CLI; any other npx command is the real one.
  bin = mkdtempSync(join(tmpdir(), 'dojo-readme-bin-'));
  const npx = execFileSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim();
  writeFileSync(join(bin, 'dojo'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\nif [ "$1" = dojo ]; then shift; exec "${join(bin, 'dojo')}" "$@"; fi\nexec "${npx}" "$@"\n`);
  chmodSync(join(bin, 'dojo'), 0o755);
  chmodSync(join(bin, 'npx'), 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe('README.md command blocks', () => {
  it('are all run here, or marked with what they need', () => {
    for (const b of blocks) {
      if (b.lang !== 'sh') {
        // A command block must say `sh`, so that this test cannot miss it.
        if (b.lang !== 'text') expect(COMMAND.test(b.text), `README.md:${b.line}: a ${b.lang || 'plain'} block with commands; mark it \`\`\`sh`).toBe(false);
        continue;
      }
      if (b.mark && b.mark.kind !== 'aws') expect(b.mark.reason, `README.md:${b.line}: say why it is not run`).not.toBe('');
    }
    // The walkthrough, the feature stages and more: most of what a user copies runs.
    expect(blocks.filter((b) => b.lang === 'sh' && !b.mark).length).toBeGreaterThanOrEqual(2);
  });

  for (const b of runnable) {
    it(`README.md:${b.line} runs in a fresh DOJO_HOME`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'dojo-readme-'));
      const home = join(cwd, '.dojo-home');
      const env = { ...process.env, DOJO_HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` };
      try {
        const r = await new Promise<{ code: number | null; out: string }>((done) => {
          const child = spawn('bash', ['-c', `set -euo pipefail\n${b.text}\n`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 14 * 60_000);
          child.on('close', (code) => {
            clearTimeout(timer);
            done({ code, out });
          });
        });
        expect(r.code, `README.md:${b.line} failed:\n${r.out.slice(-4000)}`).toBe(0);
      } finally {
        // A block that failed half-way may leave a dojo running: remove it like a user would.
        let left: string[] = [];
        try {
          left = readdirSync(home).filter((n) => n.startsWith('dojo-'));
        } catch {
          // no DOJO_HOME: nothing was created
        }
        for (const id of left) execFileSync(process.execPath, [CLI, 'rm', id, '--yes'], { env, stdio: 'ignore', timeout: 120_000 });
        rmSync(cwd, { recursive: true, force: true });
      }
    }, 15 * 60_000);
  }
});
