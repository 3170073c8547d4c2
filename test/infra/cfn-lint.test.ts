// cfn-lint (AWS's CloudFormation linter, the resource specification of every type) over the
// templates of the default, spot, private and GPU-worker configurations: what cdk-nag and the CDK's own
// checks do not look at (property types, allowed values, dependencies).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { addDojoStack } from '../../lib/infra/app';

const run = promisify(execFile);

interface LintMatch {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Filename: string;
}

const CONFIGS: Record<string, Record<string, string>> = {
  default: { dojoId: 'lintdefault' },
  spot: { dojoId: 'lintspot', spot: 'true' },
  private: { dojoId: 'lintprivate', private: 'true' },
  gpu: { dojoId: 'lintgpu', workerInstanceType: 'g4dn.xlarge' },
};

const dir = mkdtempSync(join(tmpdir(), 'dojo-cfn-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cfn-lint', () => {
  it('finds no error in the templates of the default, spot=true, private=true and g4dn.xlarge-worker configurations', async () => {
    const files: string[] = [];
    for (const [name, context] of Object.entries(CONFIGS)) {
      // The template only: staging the image build contexts would copy the repository three times.
      const app = new App({ outdir: join(dir, `${name}.out`), context: { ...context, 'aws:cdk:disable-asset-staging': true } });
      const file = join(dir, `${name}.template.json`);
      writeFileSync(file, JSON.stringify(Template.fromStack(addDojoStack(app)).toJSON()));
      files.push(file);
    }
    // Exit codes are a bit mask (2 errors, 4 warnings, 8 informational): read the JSON instead.
    const out = await run('cfn-lint', ['--format', 'json', '--', ...files], { timeout: 280_000, maxBuffer: 16 << 20 }).catch(
      (e: { stdout?: string; code?: number; stderr?: string }) => {
        if (typeof e.code === 'number' && e.code >= 2 && e.code < 16 && e.stdout) return { stdout: e.stdout };
        throw new Error(`cfn-lint did not run (${e.code}): ${e.stderr ?? ''}; install it with \`pip install cfn-lint\``);
      },
    );
    const matches = JSON.parse(out.stdout) as LintMatch[];
    const errors = matches.filter((m) => m.Level === 'Error').map((m) => `${m.Filename}: ${m.Rule.Id} ${m.Message}`);
    expect(errors).toEqual([]);
    // The linter ran over all four (it would report an unreadable file as an error).
    expect(files).toHaveLength(4);
  }, 300_000);
});
