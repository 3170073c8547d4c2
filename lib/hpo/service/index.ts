// The HPO service side: the HTTP service, its engine, store and rendezvous table. Clients import
// lib/hpo (the API types and HpoClient) instead, so they never load the server.
export { startHpoService, buildApp, type HpoServiceHandle, type HpoServiceOptions } from './server';
export { Rendezvous, type RendezvousOptions } from './rendezvous';
export { HpoEngine, BadRequest, type EngineOptions } from '../engine';
export type { StudyObserver } from '../observer';
export { SqliteStore, type StoredStudy, type StoredTrial } from '../storage/sqlite';
export { StudyRuntime } from '../study';
