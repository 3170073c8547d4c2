// The layer rules of eslint.layers.js, run through ESLint's Node API with the project's own config:
// each fixture is a one-line import placed virtually at a real path of the tree (lintText's
// filePath), so a wrong-way import fails exactly as it would in that file under `npm test`.
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: process.cwd() });
});

/** The messages of the layer rules for code placed at filePath. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

// [where, the import, what the message says]
const WRONG: readonly (readonly [string, string, RegExp])[] = [
  ['lib/cli/commands/ui/index.ts', "import { AwsProvider } from '../../../providers/aws/provider';", /cli must not import this: commands ask the Provider interface/],
  ['lib/cli/commands/demo/index.ts', "export const p = () => import('../../../providers/local/provider');", /cli must not import this: commands ask the Provider interface/],
  ['lib/cli/commands/init/index.ts', "import { parseDojoConfig } from '../../../infra/config';", /cli must not import this: only the AWS provider/],
  ['lib/hpo/engine.ts', "import { loadJob } from '../providers/state';", /hpo must not import this: only the CLI drives providers/],
  ['lib/hpo/client.ts', "import { S3Client } from '@aws-sdk/client-s3';", /hpo must not import this: this layer knows nothing of AWS/],
  ['lib/tracking/client.ts', "import { main } from '../cli/main';", /tracking must not import this: nothing below the CLI imports it/],
  ['lib/providers/base.ts', "import { LocalProvider } from './local/provider';", /shared provider code must not import this/],
  ['lib/providers/local/jobs.ts', "import { runJobTasks } from '../aws/jobs';", /local provider must not import this/],
  ['lib/providers/aws/jobs.ts', "import { runWorker } from '../../../runtime/src/worker';", /aws provider must not import this: the runtime is the workers' code/],
  ['runtime/src/worker/loop.ts', "import { startHpoService } from '../../../lib/hpo/service';", /runtime must not import this: the runtime uses only lib\/errors/],
  ['runtime/src/worker/trial.ts', "import { startTrackingServer } from '../../../lib/tracking/server/server';", /runtime must not import this: the runtime uses only lib\/errors/],
  ['runtime/src/collective/rendezvous.ts', "import { LocalProvider } from '../../../lib/providers/local/provider';", /runtime bottom must not import this/],
  ['runtime/src/optim/adamw.ts', "import { createModel } from '../model/model';", /optim\/ and prep\/ sit below model\//],
  ['runtime/src/prep/apply.ts', "import type { ModelLayout } from '../model/layout';", /optim\/ and prep\/ sit below model\//],
  ['runtime/src/model/model.ts', "import { runWorker } from '../worker/loop';", /model\/ sits below what trains and predicts/],
  ['bench/hpo/quality.ts', "import { branin } from '../../test/hpo/objectives';", /bench must not import this: only tests import from test\//],
  ['lib/jobs/env.ts', "import { HpoClient } from '../hpo/client';", /leaf modules must not import this/],
  ['lib/tracking/ui/pages/study.ts', "import { startHpoService } from '../../../hpo/service';", /tracking UI \(browser\) must not import this: the tracking UI uses only lib\/hpo's wire types/],
  ['lib/tracking/server/server.ts', "import type { StudyDetail } from '../../hpo/api';", /tracking must not import this: this layer sits below lib\/hpo/],
];

// Imports the layers allow, at the same places.
const RIGHT: readonly (readonly [string, string])[] = [
  ['lib/cli/commands/ui/index.ts', "import { providerOfDojo } from '../../../providers';"],
  ['lib/providers/registry.ts', "export const p = () => import('./local/provider');"],
  ['lib/providers/aws/provider.ts', "import { parseDojoConfig } from '../../infra/config';"],
  ['runtime/src/worker/loop.ts', "import { HpoClient } from '../../../lib/hpo/client';"],
  ['runtime/src/worker/trial.ts', "import { MetricDeliveries } from '../../../lib/tracking/metric-deliveries';"],
  ['runtime/src/worker/env.ts', "import { WORKER_ENV } from '../../../lib/jobs/env';"],
  ['runtime/src/model/model.ts', "import { adamW } from '../optim';"],
  ['lib/tracking/ui/pages/study.ts', "import type { StudyDetail } from '../../../hpo/api';"],
  ['lib/tracking/ui/views/importance.ts', "import { pedAnova } from '../../../hpo/report/importance';"],
  ['bench/hpo/quality.ts', "import { branin } from '../../testkit/hpo/objectives';"],
  ['test/hpo/tpe.test.ts', "import { branin } from '../../testkit/hpo/objectives';"],
];

describe('one-way layers (eslint.layers.js)', () => {
  it.each(WRONG)('%s: `%s` fails lint', async (file, code, why) => {
    const errors = await layerErrors(file, `${code}\nexport {};\n`);
    // An import may break more than one rule of the layer (e.g. a provider module is also beyond the clients).
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.find((e) => why.test(e)), errors.join('\n')).toBeDefined();
  });

  it.each(RIGHT)('%s: `%s` passes', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
