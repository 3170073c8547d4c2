export * from './types';
export * from './errors';
export * from './client';
export { TrackingUnavailableError, type HttpOptions } from './http-client';
export { splitBatch, type Batch, type BatchPart } from './batch';
export * from './metric-logger';
export { startTrackingServer, SERVER_VERSION, type TrackingServerHandle, type TrackingServerOptions } from './server/server';
export { TrackingStore } from './store';
export { parseFilter, parseOrderBy, type Clause, type OrderTerm } from './search/filter';
