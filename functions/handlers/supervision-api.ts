/**
 * Supervision API Lambda (API Gateway HTTP API): violations, the map's latest positions, a vehicle's state and track.
 * Routes in functions/fleet/api-routes.ts; events, roles and metrics in api-common.ts. Handler convention as in
 * wim-ingest.ts. Environment: VIOLATIONS_TABLE, VEHICLE_STATE_TABLE, POSITIONS_TABLE, VEHICLES_TABLE; API_ROLES_CLAIM.
 */
import { tables } from '../../infra/topology.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { VehicleStateQueries } from '../adapters/dynamodb/vehicle-state-queries.ts';
import { DynamoDbVehicleStore } from '../adapters/dynamodb/vehicle-store.ts';
import { ViolationQueries } from '../adapters/dynamodb/violation-queries.ts';
import { supervisionRoutes } from '../fleet/api-routes.ts';
import { type Env, requireEnv } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv } from '../shared/powertools.ts';
import { type ApiHandler, createApiHandler } from './api-common.ts';

export function createHandler(env: Env): ApiHandler {
  return createApiHandler('supervisionApi', env, (env, tools) => {
    const ddb = documentClientFromEnv(env);
    tools.tracer.captureAWSv3Client(ddb);
    const queries = new ViolationQueries(ddb, {
      violations: requireEnv(env, tables.violations.envVar),
      positions: requireEnv(env, tables.positions.envVar),
    });
    return supervisionRoutes({
      violations: queries,
      tracks: queries,
      states: new VehicleStateQueries(ddb, requireEnv(env, tables.vehicleState.envVar)),
      // The map joins every page with the registry; a registry change showing within 30 s is plenty there.
      registry: new DynamoDbVehicleStore(ddb, requireEnv(env, tables.vehicles.envVar)),
    });
  });
}

export const handler: ApiHandler = handlerFromProcessEnv(createHandler);
