import type { ApiRoute } from '../route';
import { artifactRoutes } from './artifacts';
import { experimentRoutes } from './experiments';
import { loggingRoutes } from './logging';
import { runRoutes } from './runs';
import { registryRoutes } from './registry';

/**
 * Every MLflow JSON endpoint of the embedded server. A new group of routes (e.g. the model
 * registry) is one new file exporting `ApiRoute[]`, added here.
 */
export const API_ROUTES: readonly ApiRoute[] = [...experimentRoutes, ...runRoutes, ...loggingRoutes, ...artifactRoutes, ...registryRoutes];
