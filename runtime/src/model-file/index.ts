export * from './format';
export * from './codec';
export * from './file';
export * from './mlflow';
export * from './resolve';
export * from './source';
