/**
 * Registry API Lambda: API Gateway HTTP API → the vehicle registry. Routes in functions/registry/api-routes.ts;
 * events, roles and metrics in api-common.ts. Handler convention as in wim-ingest.ts.
 * Environment: VEHICLES_TABLE; REGISTRY_MAX_IMPORT_ROWS (default 5000); API_ROLES_CLAIM.
 */
import { tables } from '../../infra/topology.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStore } from '../adapters/dynamodb/vehicle-store.ts';
import { defaultMaxImportRows, registryRoutes } from '../registry/api-routes.ts';
import { numberFromEnv, requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv } from '../shared/powertools.ts';
import { type ApiHandler, apiLogger, createApiHandler } from './api-common.ts';

export const maxImportRowsEnv = 'REGISTRY_MAX_IMPORT_ROWS';

export function createHandler(env: Env): ApiHandler {
  return createApiHandler('registryApi', env, (env, tools) => {
    const ddb = documentClientFromEnv(env);
    tools.tracer.captureAWSv3Client(ddb);
    return registryRoutes({
      // The API reads the registry fresh: an administrator expects to see what they just wrote.
      registry: new DynamoDbVehicleStore(ddb, requireEnv(env, tables.vehicles.envVar), { cacheTtlMs: 0 }),
      maxImportRows: numberFromEnv(env, maxImportRowsEnv, defaultMaxImportRows),
      logger: apiLogger(tools),
    });
  });
}

export const handler: ApiHandler = handlerFromProcessEnv(createHandler);
