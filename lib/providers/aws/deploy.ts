// Deploying and destroying a dojo stack with @aws-cdk/toolkit-lib, behind the StackDeployer
// interface so that tests substitute deploy/destroy (no account here) while synth runs for real.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { IIoHost, IoMessage, IoRequest } from '@aws-cdk/toolkit-lib';
import { DojoError, isDojoError } from '../../errors';
import { dojoStackName } from '../../infra/parameters';
import type { DojoConfig, ProgressFn } from '../provider';

/** One dojo stack in one environment, with the CDK context it is synthesized from. */
export interface DeployTarget {
  readonly dojoId: string;
  readonly region: string;
  /** CDK context, the same keys as `npx cdk deploy -c key=value` (see lib/infra/config). */
  readonly context: Readonly<Record<string, string>>;
}

/** What a synthesis produced (for checks and for finding the dojo's container images). */
export interface SynthSummary {
  /** CloudFormation stack names in the assembly. */
  readonly stackNames: readonly string[];
  /** The dojo stack's template. */
  readonly template: Readonly<Record<string, unknown>>;
  /** Image tags of the stack's container assets (in the bootstrap ECR repository). */
  readonly assetImageTags: readonly string[];
}

/** What a deploy reports. */
export interface DeployResult {
  /** Image tags of the stack's container assets (recorded for the ECR cleanup of `dojo rm`). */
  readonly assetImageTags: readonly string[];
}

/** Synthesizes, deploys and destroys dojo stacks. */
export interface StackDeployer {
  synth(target: DeployTarget): Promise<SynthSummary>;
  /** Creates or updates the stack `dojo-<id>` (waits until done). */
  deploy(target: DeployTarget, progress: ProgressFn): Promise<DeployResult>;
  /** Deletes the stack `dojo-<id>` (waits until done). */
  destroy(target: DeployTarget, progress: ProgressFn): Promise<void>;
}

/** The CDK context of a dojo: its id and the settings `dojo init` recorded. */
export function dojoContext(cfg: DojoConfig, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    dojoId: cfg.id,
    managerInstanceType: cfg.managerInstanceType,
    workerInstanceType: cfg.workerInstanceType,
    maxWorkers: String(cfg.maxWorkers),
    spot: String(cfg.spot),
    ...extra,
  };
}

/**
 * The repository root holding `runtime/Dockerfile` (the asset build context): searched upwards
 * from the CLI script and from the working directory, because a bundled CLI cannot use its own
 * module location.
 */
export function findSourceRoot(starts: readonly string[] = [dirname(process.argv[1] ?? '.'), process.cwd()]): string {
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'runtime', 'Dockerfile')) && existsSync(join(dir, 'lib', 'infra', 'mlflow-image'))) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new DojoError('NOT_FOUND', 'cannot find the dojo sources (runtime/Dockerfile) to build the images from; run dojo from its repository checkout');
}

/** An IoHost that turns toolkit-lib's info/warning/error messages into progress lines (stderr). */
export function progressIoHost(progress: ProgressFn): IIoHost {
  return {
    async notify(msg: IoMessage<unknown>): Promise<void> {
      if (msg.level === 'debug' || msg.level === 'trace') return;
      for (const line of msg.message.split('\n')) {
        const text = line.trimEnd();
        if (text.trim() !== '') progress(msg.level === 'error' || msg.level === 'warn' ? `${msg.level}: ${text.trim()}` : text);
      }
    },
    async requestResponse<T>(msg: IoRequest<unknown, T>): Promise<T> {
      // Non-interactive: the dojo CLI asked already (`dojo rm` confirms); take the default answer.
      return msg.defaultResponse;
    },
  };
}

/** Options of ToolkitStackDeployer. */
export interface ToolkitStackDeployerOptions {
  /** @default - found with findSourceRoot() when first needed */
  readonly sourceRoot?: string;
  /** Where each operation's cloud assembly folder is made (and removed afterwards). @default - the OS temp folder */
  readonly tmpRoot?: string;
}

/** The StackDeployer of a real account: toolkit-lib driving the dojo CDK app in-process. */
export class ToolkitStackDeployer implements StackDeployer {
  constructor(private readonly options: ToolkitStackDeployerOptions = {}) {}

  async synth(target: DeployTarget): Promise<SynthSummary> {
    return this.inOutdir((outdir) => this.synthIn(outdir, target));
  }

  private async synthIn(outdir: string, target: DeployTarget): Promise<SynthSummary> {
    const { toolkit, lib } = await this.toolkit(target, () => undefined);
    const cx = await this.source(toolkit, lib, target, outdir);
    const asm = await unwrapped(toolkit.synth(cx, { stacks: this.selector(lib, target) }));
    try {
      const ca = asm.cloudAssembly;
      const stack = ca.stacks.find((s) => s.stackName === dojoStackName(target.dojoId));
      return {
        stackNames: ca.stacks.map((s) => s.stackName),
        template: (stack?.template ?? {}) as Record<string, unknown>,
        assetImageTags: assetImageTags(ca.directory),
      };
    } finally {
      await asm.dispose();
    }
  }

  async deploy(target: DeployTarget, progress: ProgressFn): Promise<DeployResult> {
    return this.inOutdir((outdir) => this.deployIn(outdir, target, progress));
  }

  private async deployIn(outdir: string, target: DeployTarget, progress: ProgressFn): Promise<DeployResult> {
    const { toolkit, lib } = await this.toolkit(target, progress);
    const cx = await this.source(toolkit, lib, target, outdir);
    // Synthesize once, read the asset tags, and deploy that same assembly.
    const asm = await unwrapped(toolkit.synth(cx, { stacks: this.selector(lib, target) }));
    try {
      const assetImageTagsOf = assetImageTags(asm.cloudAssembly.directory);
      await unwrapped(toolkit.deploy(asm, { stacks: this.selector(lib, target) }));
      return { assetImageTags: assetImageTagsOf };
    } finally {
      await asm.dispose();
    }
  }

  async destroy(target: DeployTarget, progress: ProgressFn): Promise<void> {
    await this.inOutdir(async (outdir) => {
      const { toolkit, lib } = await this.toolkit(target, progress);
      const cx = await this.source(toolkit, lib, target, outdir);
      await unwrapped(toolkit.destroy(cx, { stacks: this.selector(lib, target) }));
    });
  }

  /**
   * Runs fn with a fresh assembly folder that is removed afterwards, failed or not: toolkit-lib's own
   * temporary `cdk.out*` folders (2.5 MB each) were left behind by failed syntheses and by destroy.
   */
  private async inOutdir<T>(fn: (outdir: string) => Promise<T>): Promise<T> {
    const outdir = mkdtempSync(join(this.options.tmpRoot ?? tmpdir(), 'dojo-cdk.out-'));
    try {
      return await fn(outdir);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  private async toolkit(target: DeployTarget, progress: ProgressFn) {
    const lib = await import('@aws-cdk/toolkit-lib');
    const toolkit = new lib.Toolkit({
      ioHost: progressIoHost(progress),
      color: false,
      emojis: false,
      sdkConfig: { baseCredentials: lib.BaseCredentials.awsCliCompatible({ defaultRegion: target.region }) },
    });
    return { toolkit, lib };
  }

  private selector(lib: typeof import('@aws-cdk/toolkit-lib'), target: DeployTarget) {
    return { strategy: lib.StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [dojoStackName(target.dojoId)] };
  }

  private source(toolkit: import('@aws-cdk/toolkit-lib').Toolkit, lib: typeof import('@aws-cdk/toolkit-lib'), target: DeployTarget, outdir: string) {
    const sourceRoot = this.options.sourceRoot ?? findSourceRoot();
    return toolkit.fromAssemblyBuilder(
      async (props) => {
        const [{ App }, { addDojoStack }] = await Promise.all([import('aws-cdk-lib'), import('../../infra/app')]);
        const app = new App({ outdir: props.outdir, context: props.context });
        addDojoStack(app, { sourceRoot });
        return app.synth();
      },
      // The context store seeds the app's context exactly as `cdk deploy -c` would; no lookups
      // and no STS call are needed because the stack is environment-agnostic.
      { outdir, disposeOutdir: true, contextStore: new lib.MemoryContext({ ...target.context }), clobberEnv: false, lookups: false, resolveDefaultEnvironment: false },
    );
  }
}

/** Rethrows the DojoError a failed app synthesis carries (bad context) instead of toolkit-lib's wrapper. */
async function unwrapped<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    for (let c: unknown = e; c instanceof Error; c = c.cause) if (isDojoError(c)) throw c;
    throw e;
  }
}

interface AssetManifest {
  readonly dockerImages?: Record<string, { readonly destinations?: Record<string, { readonly imageTag?: string }> }>;
}

/** Image tags of every container asset in an assembly directory (`*.assets.json`). */
export function assetImageTags(dir: string): string[] {
  const tags = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.assets.json'))) {
    const m = JSON.parse(readFileSync(join(dir, f), 'utf8')) as AssetManifest;
    for (const img of Object.values(m.dockerImages ?? {})) {
      for (const d of Object.values(img.destinations ?? {})) if (d.imageTag) tags.add(d.imageTag);
    }
  }
  return [...tags].sort();
}
