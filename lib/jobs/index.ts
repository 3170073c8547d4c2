export * from './env';
export * from './kinds';
