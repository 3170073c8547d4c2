export * from './env';
export * from './hparams';
export * from './loop';
export * from './patience';
export * from './status';
export { WorkerData } from './data';
