export * from './csv';
export * from './predict';
