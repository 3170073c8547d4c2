export * from './train';
export * from './step';
export * from './evaluate';
export * from './data';
export { createModel, forward, parseHParams, DEFAULT_HPARAMS, type HParams, type Model } from '../model';
