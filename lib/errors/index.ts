export * from './dojo-error';
export * from './os-error';
