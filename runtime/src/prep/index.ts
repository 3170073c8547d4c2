export * from './prep';
export { binIndex, Preparer, PreparedReader } from './apply';
export { fitPrep, readerPolicy } from './fit';
export { featureSetId } from './feature-set';
