export * from './provider';
export * from './process';
export * from './layout';
