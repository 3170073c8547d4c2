export * from './dojo-error';
