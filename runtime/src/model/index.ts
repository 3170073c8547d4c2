export * from './hparams';
export * from './layout';
export * from './model';
export * from './network';
export * from './layers';
export { Rng } from './rng';
