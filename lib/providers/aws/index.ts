export * from './provider';
export * from './clients';
export * from './deploy';
export * from './errors';
export * from './names';
export * from './session';
