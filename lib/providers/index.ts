export * from './provider';
export * from './registry';
export * from './state';
export * from './defaults';
export * from './jobs/progress';
