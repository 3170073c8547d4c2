export * from './optimizer';
export * from './adamw';
export * from './sgd';
export * from './clip';
