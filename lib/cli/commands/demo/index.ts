import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INIT_DEFAULTS, dojoDir, dojoHome, providerNamed, type JobProgress } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { waitWithProgress } from '../job-wait';
import { formatDemoResult } from './format';
import { HpoClient } from '../../../hpo/client';
import { bestPerFeatureSet, type FeatureSetRow } from '../../../hpo/report/feature-sets';
import { demoSpace } from './space';
import { DEFAULT_TRIAL_METRIC } from '../../../../runtime/src/worker/metrics';

interface Opts {
  trials: number;
  parallel: number;
  replicas: number;
  rows: number;
  seed: number;
  keep: boolean;
  json: boolean;
}

/** init → activate → synthesize data → job create → hpo enable → job start → wait → best → rm. */
export const handler: CommandHandler<Opts> = async (_args, opts, ctx) => {
  const io = ctx.io;
  const t0 = Date.now();
  const home = dojoHome(io.env);
  const provider = await providerNamed('local', io.env);
  const step = (m: string) => io.err(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  const cfg = await provider.init({ maxWorkers: Math.max(INIT_DEFAULTS.maxWorkers, opts.parallel * opts.replicas) });
  step(`dojo init → ${cfg.id}`);
  let final: JobProgress | undefined;
  let trackingUri: string | undefined;
  let uiUrl: string | undefined;
  let featureSets: FeatureSetRow[] = [];
  try {
    const info = await provider.activate(cfg.id, step);
    trackingUri = info.trackingUri;
    // The UI address carries the dojo's token once (the page then keeps it in a cookie).
    uiUrl = info.extra?.DOJO_UI_URL ?? (info.trackingUri ? `${info.trackingUri}/` : undefined);
    step(`dojo activate ${cfg.id} → tracking ${info.trackingUri}, HPO ${info.hpoUri}`);
    const data = join(dojoDir(home, cfg.id), 'data');
    const { synthesize } = await import('../../../../runtime/src/data');
    const valRows = Math.max(100, Math.round(opts.rows / 5));
    await synthesize({ rows: opts.rows, parts: 4, out: join(data, 'train'), seed: opts.seed });
    await synthesize({ rows: valRows, parts: 1, out: join(data, 'val'), seed: opts.seed + 1 });
    step(`synthesized ${opts.rows} training and ${valRows} validation rows of DC-taxi data in ${data}`);
    const job = await provider.createJob(cfg.id, {});
    step(`dojo job create --dojo ${cfg.id} → ${job.id}`);
    const spaceFile = join(data, 'space.json');
    mkdirSync(data, { recursive: true });
    const space = demoSpace(opts.rows);
    writeFileSync(spaceFile, JSON.stringify(space, null, 2) + '\n');
    await provider.enableHpo(job.id, {
      space,
      spaceFile,
      numRuns: opts.trials,
      parallel: Math.min(opts.parallel, opts.trials),
      sampler: 'auto',
      pruner: 'median',
      seed: opts.seed,
      metric: DEFAULT_TRIAL_METRIC,
      direction: 'minimize',
    });
    step(`dojo hpo enable ${job.id} --space ${spaceFile} --num-runs ${opts.trials} --parallel ${opts.parallel}`);
    await provider.startJob(
      job.id,
      {
        replicas: opts.replicas,
        env: {
          DOJO_TRAIN_GLOB: join(data, 'train', 'part-*.csv'),
          DOJO_VAL_GLOB: join(data, 'val', 'part-*.csv'),
          // Enough shards that every replica gets several (the default shard is 1M rows).
          ...(opts.replicas > 1 ? { DOJO_SHARD_SIZE: String(Math.max(100, Math.floor(valRows / (2 * opts.replicas)))) } : {}),
        },
      },
      step,
    );
    step(`dojo job start ${job.id}${opts.replicas > 1 ? ` --replicas ${opts.replicas}` : ''}: waiting for the study`);
    final = await waitWithProgress(provider, job.id, io);
    step(`study ${final.status} in ${final.elapsedSec.toFixed(1)} s`);
    // Before the dojo goes: the best value of each feature set the study tried (issue 10).
    const studyId = (await provider.inspectJob(job.id)).run?.studyId;
    if (studyId && info.hpoUri) featureSets = bestPerFeatureSet(await new HpoClient(info.hpoUri, { token: info.extra?.DOJO_TOKEN }).getStudy(studyId));
  } finally {
    if (!opts.keep) {
      const r = await provider.remove(cfg.id, step);
      step(r.remaining.length === 0 ? `dojo rm ${cfg.id}: nothing remains` : `dojo rm ${cfg.id}: ${r.remaining.join(', ')} remain`);
    }
  }
  if (opts.json) io.out(JSON.stringify({ dojo: cfg.id, kept: opts.keep, trackingUri, seconds: (Date.now() - t0) / 1000, ...final, featureSets }));
  else for (const line of formatDemoResult(final, uiUrl, opts.keep ? cfg.id : undefined, featureSets)) io.out(line);
  return final.status === 'completed' && final.best ? 0 : 1;
};
