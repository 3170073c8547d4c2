import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { addDojoStack } from '../../lib/infra/app';
import type { DojoStack } from '../../lib/infra/dojo-stack';

/** One synthesized dojo for a test file: the app, the stack, its template, and a cleanup. */
export interface SynthesizedDojo {
  readonly app: App;
  readonly stack: DojoStack;
  readonly template: Template;
  /** Logical id of a construct's CloudFormation resource (or of the construct itself). */
  logicalId(c: IConstruct): string;
  cleanup(): void;
}

/** Synthesizes the dojo app for CDK context values (strings, as from `-c`), in a temp outdir. */
export function synthDojo(context: Record<string, string>): SynthesizedDojo {
  const outdir = mkdtempSync(path.join(tmpdir(), 'dojo-cdk-'));
  const app = new App({ outdir, context });
  const stack = addDojoStack(app);
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    logicalId: (c) => {
      // L2s expose their resource as defaultChild; AsgCapacityProvider only as a child.
      const el = [c, c.node.defaultChild, ...c.node.children].find((x) => x !== undefined && CfnElement.isCfnElement(x));
      if (el === undefined) throw new Error(`no CloudFormation element at ${c.node.path}`);
      return Stack.of(el).getLogicalId(el as CfnElement);
    },
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** A CloudFormation resource as it appears in a template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string[];
}

/** Every resource of a template by logical id. */
export function resourcesOf(template: Template): Record<string, CfnResourceJson> {
  return (template.toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources;
}
