// What a worker keeps across the trials of its job: the parsed datasets (within its memory
// budget), the fitted feature stages, the S3 clients of its environment and its datasets' MLflow
// inputs. One object the worker owns and drops when it ends; nothing is module state.
import type { DatasetInput } from '../../../lib/tracking/types';
import { defaultDataMemory, formatMB } from '../data/budget';
import { DatasetCache } from '../data/cache';
import { datasetInputs } from '../data/dataset-inputs';
import { S3Clients } from '../data/s3';
import { PrepFitCache } from '../prep/fit-cache';
import { cachedData, type TrainData } from '../train/data';
import type { WorkerSettings } from './env';

/** How worker messages name the data globs. */
const LABELS = { train: 'DOJO_TRAIN_GLOB', val: 'DOJO_VAL_GLOB', test: 'DOJO_TEST_GLOB' } as const;

/** A worker's data, kept across its trials. */
export class WorkerData {
  readonly s3: S3Clients;
  readonly cache: DatasetCache;
  readonly fits = new PrepFitCache();
  private inputs: Promise<DatasetInput[]> | undefined;

  constructor(
    private readonly s: WorkerSettings,
    env: NodeJS.ProcessEnv,
    log: (line: string) => void,
  ) {
    this.s3 = new S3Clients(env);
    this.cache = new DatasetCache({ budgetBytes: s.dataMemoryBytes ?? defaultDataMemory(), log });
  }

  /** The datasets of the next trial: from memory where kept, else streamed (the same batches). */
  forTrial(): TrainData {
    this.cache.nextTrial();
    const { trainGlob, valGlob, testGlob, dtype, shardSize } = this.s;
    return cachedData({ train: trainGlob, val: valGlob, ...(testGlob ? { test: testGlob } : {}), dtype, shardSize, s3: this.s3, labels: LABELS }, this.cache, this.fits);
  }

  /** The worker's datasets as MLflow inputs, resolved once (every trial reads the same globs). */
  datasetInputs(): Promise<DatasetInput[]> {
    const { trainGlob, valGlob, testGlob } = this.s;
    this.inputs ??= datasetInputs({ train: trainGlob, val: valGlob, ...(testGlob ? { test: testGlob } : {}) }, undefined, this.s3);
    // A failed resolution is tried again by the next trial rather than remembered.
    this.inputs.catch(() => (this.inputs = undefined));
    return this.inputs;
  }

  /** One line for the worker's exit: what it kept and its peak memory. */
  summary(): string {
    const peak = process.resourceUsage().maxRSS * 1024;
    return `data cache: ${formatMB(this.cache.bytes)} of parsed rows kept (budget ${formatMB(this.cache.budgetBytes)}), ${this.fits.reused} feature-stage fits reused; peak RSS ${formatMB(peak)}`;
  }
}
