export * from './prep';
export { binIndex, Preparer, PreparedReader } from './apply';
export { fitPrep, fitStats, readerPolicy, type FitStats } from './fit';
export { PrepFitCache } from './fit-cache';
export { featureSetId } from './feature-set';
