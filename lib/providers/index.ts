export * from './provider';
export * from './registry';
export * from './state';
export * from './job-env';
export * from './study-view';
